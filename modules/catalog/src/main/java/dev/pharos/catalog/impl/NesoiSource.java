package dev.pharos.catalog.impl;

import dev.pharos.catalog.CatalogEndpoint;
import dev.pharos.nesoi.NesoiCache;
import dev.pharos.nesoi.NesoiStore;
import io.vertx.core.json.JsonObject;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.framework.state.ConnectionStateListener;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Nesoi's {@code /srv/NAME/HOST} documents as endpoints: each URI of a host's {@code endpoints}
 * with a host and a port is one, tagged with its name in {@code endpoints} ({@code http}, say).
 * A URI without a port is a problem naming the host and the endpoint; the host's other
 * endpoints still count.
 */
public final class NesoiSource implements AutoCloseable {

  private final CuratorFramework client;
  private final StoreFeed feed;
  private NesoiCache cache;
  private NesoiCache.Following following;
  /** Nesoi's hosts live in the same ZooKeeper as Nerve's znodes: its connection is this store's too. */
  private final ConnectionStateListener connection;
  /** The endpoint and problem keys each host document gave, so a changed document drops the ones it no longer has. */
  private final Map<String, List<String>> keysOfHost = new HashMap<>();

  public NesoiSource(CuratorFramework client, StoreFeed feed) {
    this.client = client;
    this.feed = feed;
    this.connection = ZooKeeperReachability.of(feed, CatalogEndpoint.NESOI, "hosts");
  }

  /**
   * Follows the process's one cache of {@code /nesoi} (blocking: its first user starts it), which
   * the api's view shares. Every event, the replay of what the cache held included, comes on
   * Curator's one notify thread, in order; the handlers lock only so that a reader on another
   * thread sees their maps whole.
   */
  public void start() {
    client.getConnectionStateListenable().addListener(connection);
    cache = NesoiCache.acquire(client);
    following = cache.listen(CuratorCacheListener.builder()
      .forCreatesAndChanges((before, node) -> changed(node))
      .forDeletes(gone -> gone(gone.getPath()))
      .forInitialized(() -> feed.loaded(CatalogEndpoint.NESOI))
      .build(), Runnable::run);
  }

  /** The service name when {@code path} is {@code /nesoi/srv/{name}/{host}}, else null. */
  static String service(String path) {
    if (!path.startsWith(NesoiStore.SERVICES + "/")) {
      return null; // the shared cache holds all of /nesoi: apps, hooks, change records
    }
    String[] parts = path.split("/", -1);
    return parts.length == 5 && !parts[3].isEmpty() && !parts[4].isEmpty() ? parts[3] : null;
  }

  private synchronized void gone(String path) {
    if (service(path) != null) {
      replace(path, Map.of(), Map.of());
    }
  }

  private synchronized void changed(ChildData node) {
    String app = service(node.getPath());
    if (app == null) {
      return;
    }
    Map<String, CatalogEndpoint> endpoints = new LinkedHashMap<>();
    Map<String, String> problems = new LinkedHashMap<>();
    try {
      JsonObject doc = Documents.object(node.getData());
      if (!(doc.getValue("endpoints") instanceof JsonObject uris)) {
        throw new IllegalArgumentException("field endpoints is missing or not an object");
      }
      uris.forEach(e -> {
        String key = node.getPath() + "#" + e.getKey();
        try {
          endpoints.put(key, endpoint(key, app, e.getKey(), e.getValue()));
        } catch (IllegalArgumentException bad) {
          problems.put(key, "endpoint " + e.getKey() + ": " + bad.getMessage());
        }
      });
    } catch (IllegalArgumentException e) {
      problems.put(node.getPath(), "not a Nesoi host: " + e.getMessage());
    }
    replace(node.getPath(), endpoints, problems);
  }

  static CatalogEndpoint endpoint(String key, String app, String name, Object value) {
    if (!(value instanceof String text)) {
      throw new IllegalArgumentException("'" + value + "' is not a URI string");
    }
    URI uri;
    try {
      uri = new URI(text.trim());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("'" + text + "' is not a URI: " + e.getReason());
    }
    if (uri.getHost() == null) {
      throw new IllegalArgumentException("URI '" + text + "' has no host");
    }
    if (uri.getPort() < 1) {
      throw new IllegalArgumentException("URI '" + text + "' has no port");
    }
    String host = uri.getHost().startsWith("[") ? uri.getHost().substring(1, uri.getHost().length() - 1) : uri.getHost();
    return new CatalogEndpoint(CatalogEndpoint.NESOI, key, CatalogEndpoint.NESOI_ENV, app, host, uri.getPort(),
      Set.of(CatalogEndpoint.NESOI_ENV, name), 1, false);
  }

  /**
   * Puts the host document's endpoints and removes those it no longer gives, and clears the
   * problems of its previous version for this version's (set before the endpoints show).
   */
  private void replace(String path, Map<String, CatalogEndpoint> endpoints, Map<String, String> problems) {
    List<String> before = keysOfHost.getOrDefault(path, List.of());
    for (String key : before) {
      if (!endpoints.containsKey(key)) {
        feed.remove(CatalogEndpoint.NESOI, key);
      }
      feed.problem(CatalogEndpoint.NESOI, key, null);
    }
    feed.problem(CatalogEndpoint.NESOI, path, null);
    problems.forEach((key, reason) -> feed.problem(CatalogEndpoint.NESOI, key, reason));
    endpoints.values().forEach(feed::put);
    List<String> keys = new ArrayList<>(endpoints.keySet());
    keys.addAll(problems.keySet());
    if (keys.isEmpty()) {
      keysOfHost.remove(path);
    } else {
      keysOfHost.put(path, keys);
    }
  }

  @Override
  public void close() {
    client.getConnectionStateListenable().removeListener(connection);
    if (cache != null) {
      following.close();
      cache.release();
      cache = null;
    }
  }
}
