package dev.pharos.catalog.impl;

import dev.pharos.catalog.CatalogEndpoint;
import dev.pharos.zookeeper.ZnodeFollower;
import io.vertx.core.Context;
import io.vertx.core.json.JsonObject;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionStateListener;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Synapse's side of Nerve: the registrations under {@code /env/{env}/sd/{app}/sd}, whoever wrote
 * them (Pharos's registrar or a Nerve elsewhere), followed by a {@link ZnodeFollower}: a start
 * lists the services and reads each registration, and nothing else (not the definitions, not
 * the empty {@code sd} parents); then each registration's change is one read. Each znode is
 * parsed once, as it arrives, and not kept.
 */
public final class NerveSource implements AutoCloseable {

  static final String ROOT = "/env";
  /** Nerve's registrations below {@link #ROOT}: {@code {env}/sd/{app}/sd/{name}}. */
  static final List<String> REGISTRATIONS = List.of(ZnodeFollower.ANY, "sd", ZnodeFollower.ANY, "sd", ZnodeFollower.ANY);

  private final CuratorFramework client;
  private final StoreFeed feed;
  private final ZnodeFollower follower;
  private final ConnectionStateListener connection;

  /** {@code context}: where the registrations are read and fed to the catalog. */
  public NerveSource(CuratorFramework client, Context context, StoreFeed feed) {
    this.client = client;
    this.feed = feed;
    this.follower = new ZnodeFollower(client, context, ROOT, REGISTRATIONS, new ZnodeFollower.Listener() {
      @Override
      public void changed(String path, long version, byte[] data) {
        NerveSource.this.changed(path, data);
      }

      @Override
      public void deleted(String path) {
        feed.remove(CatalogEndpoint.ZOOKEEPER, path);
        feed.problem(CatalogEndpoint.ZOOKEEPER, path, null);
      }

      @Override
      public void loaded() {
        feed.loaded(CatalogEndpoint.ZOOKEEPER);
      }
    });
    this.connection = ZooKeeperReachability.of(feed, CatalogEndpoint.ZOOKEEPER, "registrations");
  }

  public void start() {
    client.getConnectionStateListenable().addListener(connection);
    follower.start();
  }

  /** {@code [env, app]} when {@code path} is {@code /env/{env}/sd/{app}/sd/{name}}, else null. */
  static String[] registration(String path) {
    String[] parts = path.split("/", -1);
    if (parts.length != 7 || !parts[1].equals("env") || !parts[3].equals("sd") || !parts[5].equals("sd")) {
      return null;
    }
    for (int i = 1; i < parts.length; i++) {
      if (parts[i].isEmpty()) {
        return null;
      }
    }
    return new String[]{parts[2], parts[4]};
  }

  private void changed(String path, byte[] data) {
    String[] ids = registration(path);
    if (ids == null) {
      return;
    }
    try {
      feed.put(endpoint(path, ids[0], ids[1], data));
      feed.problem(CatalogEndpoint.ZOOKEEPER, path, null);
    } catch (IllegalArgumentException e) {
      feed.remove(CatalogEndpoint.ZOOKEEPER, path);
      feed.problem(CatalogEndpoint.ZOOKEEPER, path, "not a Nerve registration: " + e.getMessage());
    }
  }

  /**
   * Nerve's znode: {@code host} and {@code port} required, {@code weight}, {@code labels} and
   * {@code haproxy_server_options} as Synapse reads them.
   *
   * @throws IllegalArgumentException naming the field
   */
  static CatalogEndpoint endpoint(String path, String env, String app, byte[] data) {
    JsonObject json = Documents.object(data);
    String host = Documents.string(json, "host");
    int port = Documents.port(json.getValue("port"), "port");
    int weight = 1;
    Object w = json.getValue("weight");
    if (w != null) {
      if (!(w instanceof Number n) || n.intValue() < 0 || n.intValue() > 65535) {
        throw new IllegalArgumentException("field weight '" + w + "' is not a number from 0 to 65535");
      }
      weight = n.intValue();
    }
    Set<String> tags = new LinkedHashSet<>();
    tags.add(env);
    if (json.getValue("labels") instanceof JsonObject labels) {
      labels.forEach(e -> tags.add(e.getKey() + ":" + e.getValue()));
    }
    boolean backup = json.getValue("haproxy_server_options") instanceof String options
      && Set.of(options.trim().split("\\s+")).contains("backup");
    return new CatalogEndpoint(CatalogEndpoint.ZOOKEEPER, path, env, app, host, port, tags, weight, backup);
  }

  @Override
  public void close() {
    client.getConnectionStateListenable().removeListener(connection);
    follower.close();
  }
}
