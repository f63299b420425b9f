package dev.pharos.catalog.impl;

import dev.pharos.catalog.CatalogEndpoint;
import io.vertx.core.json.JsonObject;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.framework.recipes.cache.CuratorCacheStorage;
import org.apache.curator.framework.state.ConnectionStateListener;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Synapse's side of Nerve: the registrations under {@code /env/{env}/sd/{app}/sd}, followed by
 * Curator's CuratorCache on {@code /env} that keeps no data (each znode is parsed once, as it
 * arrives), whoever wrote them: Pharos's registrar or a Nerve elsewhere.
 */
public final class NerveSource implements AutoCloseable {

  static final String ROOT = "/env";

  private final CuratorFramework client;
  private final StoreFeed feed;
  private final CuratorCache cache;
  private final ConnectionStateListener connection;

  public NerveSource(CuratorFramework client, StoreFeed feed) {
    this.client = client;
    this.feed = feed;
    this.cache = CuratorCache.builder(client, ROOT).withStorage(CuratorCacheStorage.dataNotCached()).build();
    this.connection = ZooKeeperReachability.of(feed, CatalogEndpoint.ZOOKEEPER, "registrations");
  }

  public void start() {
    cache.listenable().addListener(CuratorCacheListener.builder()
      .forCreatesAndChanges((before, node) -> changed(node))
      .forDeletes(gone -> {
        if (registration(gone.getPath()) != null) {
          feed.remove(CatalogEndpoint.ZOOKEEPER, gone.getPath());
        }
      })
      .forInitialized(() -> feed.loaded(CatalogEndpoint.ZOOKEEPER))
      .build());
    client.getConnectionStateListenable().addListener(connection);
    cache.start();
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

  private void changed(ChildData node) {
    String[] ids = registration(node.getPath());
    if (ids == null) {
      return;
    }
    try {
      feed.put(endpoint(node.getPath(), ids[0], ids[1], node.getData()));
      feed.problem(CatalogEndpoint.ZOOKEEPER, node.getPath(), null);
    } catch (IllegalArgumentException e) {
      feed.remove(CatalogEndpoint.ZOOKEEPER, node.getPath());
      feed.problem(CatalogEndpoint.ZOOKEEPER, node.getPath(), "not a Nerve registration: " + e.getMessage());
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
    cache.close();
  }
}
