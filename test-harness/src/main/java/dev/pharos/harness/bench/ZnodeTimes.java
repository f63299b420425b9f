package dev.pharos.harness.bench;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When registrations appeared and went, seen through a ZooKeeper watch as a Synapse-style reader
 * sees them: keyed by the container short id found in the znode name.
 */
final class ZnodeTimes implements AutoCloseable {

  private final Map<String, Long> created = new ConcurrentHashMap<>();
  private final Map<String, Long> deleted = new ConcurrentHashMap<>();
  private final CuratorCache cache;

  ZnodeTimes(CuratorFramework zk, String parent) {
    cache = CuratorCache.build(zk, parent);
    cache.listenable().addListener(CuratorCacheListener.builder()
      .forCreates(node -> created.putIfAbsent(key(node.getPath()), now()))
      .forDeletes(node -> deleted.putIfAbsent(key(node.getPath()), now()))
      .build());
    cache.start();
  }

  /** Wall clock in nanoseconds, comparable with dockerd's event times on this host. */
  static long now() {
    java.time.Instant t = java.time.Instant.now();
    return t.getEpochSecond() * 1_000_000_000L + t.getNano();
  }

  /** {@code .../sd/<host>-<shortid>_0000000001} to {@code shortid}. */
  private static String key(String path) {
    String name = path.substring(path.lastIndexOf('/') + 1);
    int underscore = name.lastIndexOf('_');
    String id = underscore < 0 ? name : name.substring(0, underscore);
    return id.length() >= 12 ? id.substring(id.length() - 12) : id;
  }

  Long created(String shortId) {
    return created.get(shortId);
  }

  Long deleted(String shortId) {
    return deleted.get(shortId);
  }

  @Override
  public void close() {
    cache.close();
  }
}
