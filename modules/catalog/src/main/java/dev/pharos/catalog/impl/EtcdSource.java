package dev.pharos.catalog.impl;

import dev.pharos.catalog.CatalogEndpoint;
import dev.pharos.etcd.EtcdPrefixWatch;
import dev.pharos.model.ServiceDocument;
import io.etcd.jetcd.Client;
import io.vertx.core.Context;

import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The Docker ambassador's own discovery: etcd's {@code /services/{env}/{name}/{port}/{host_port}/{id}}
 * documents, pulled once then watched; each document's {@code ipaddress} and {@code host_port},
 * tagged with the env and its {@code tags}.
 */
public final class EtcdSource implements AutoCloseable {

  private final StoreFeed feed;
  private final EtcdPrefixWatch watch;
  private final Set<String> keys = new HashSet<>();

  public EtcdSource(Client client, Context context, StoreFeed feed) {
    this.feed = feed;
    this.watch = new EtcdPrefixWatch(client, context, ServiceDocument.ROOT + "/", new EtcdPrefixWatch.Listener() {
      @Override
      public void snapshot(Map<String, byte[]> values, long revision) {
        for (String key : Set.copyOf(keys)) {
          if (!values.containsKey(key)) {
            delete(key, revision);
          }
        }
        values.forEach((key, value) -> put(key, value, revision));
        feed.reachable(CatalogEndpoint.ETCD, null);
        feed.loaded(CatalogEndpoint.ETCD);
      }

      @Override
      public void put(String key, byte[] value, long revision) {
        changed(key, value);
      }

      @Override
      public void delete(String key, long revision) {
        keys.remove(key);
        feed.remove(CatalogEndpoint.ETCD, key);
        feed.problem(CatalogEndpoint.ETCD, key, null);
      }

      @Override
      public void failed(Throwable err, long retryMs) {
        feed.reachable(CatalogEndpoint.ETCD, "watch of " + ServiceDocument.ROOT + "/ failed (" + err.getMessage()
          + "), serving the last known documents and reading again in " + retryMs + " ms");
      }
    });
  }

  public void start() {
    watch.start();
  }

  /** {@code [env, name]} of an instance key, or null for any other key (a directory, say). */
  static String[] instanceKey(String key) {
    String[] parts = key.split("/", -1);
    // "", "services", env, name, port, host_port, id
    if (parts.length != 7 || !parts[1].equals("services")) {
      return null;
    }
    for (int i = 2; i < 7; i++) {
      if (parts[i].isEmpty()) {
        return null;
      }
    }
    return new String[]{parts[2], parts[3]};
  }

  private void changed(String key, byte[] value) {
    String[] ids = instanceKey(key);
    if (ids == null) {
      return;
    }
    try {
      ServiceDocument.Endpoint doc = ServiceDocument.endpoint(value);
      Set<String> tags = new LinkedHashSet<>();
      tags.add(ids[0]);
      tags.addAll(doc.tags());
      keys.add(key);
      feed.put(new CatalogEndpoint(CatalogEndpoint.ETCD, key, ids[0], ids[1], doc.host(), doc.port(), tags, 1, false));
      feed.problem(CatalogEndpoint.ETCD, key, null);
    } catch (IllegalArgumentException e) {
      keys.remove(key);
      feed.remove(CatalogEndpoint.ETCD, key);
      feed.problem(CatalogEndpoint.ETCD, key, "not a service document: " + e.getMessage());
    }
  }

  @Override
  public void close() {
    watch.close();
  }
}
