package dev.pharos.nesoi;

import dev.pharos.zookeeper.PerClient;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;

import java.util.concurrent.Executor;

/**
 * The process's one Curator cache of {@code /nesoi}, shared by every reader of Nesoi's resources
 * on a Curator client (the api's view, the web-hook notifier's, the consumer catalog's hosts):
 * a node reads each resource once when it starts and once per change, however many of its stages
 * follow them. The first {@link #acquire} starts it, the last {@link #release} closes it.
 *
 * <p>A reader that comes later is brought up to date the way every stage here is,
 * snapshot-then-follow: {@link #listen} adds its listener first, then hands it every node the
 * cache holds, through the same executor; what it hears after that is as new or newer.
 */
public final class NesoiCache {

  private static final PerClient<NesoiCache> SHARED = new PerClient<>(client -> {
    NesoiCache made = new NesoiCache(client);
    made.cache.start();
    return made;
  }, made -> made.cache.close());

  private final CuratorFramework client;
  private final CuratorCache cache;
  private volatile boolean initialized;

  private NesoiCache(CuratorFramework client) {
    this.client = client;
    cache = CuratorCache.build(client, NesoiStore.ROOT);
    // first of its listeners, so once a reader's own initialized runs, this flag is set
    cache.listenable().addListener(CuratorCacheListener.builder().forInitialized(() -> initialized = true).build());
  }

  /** The cache of {@code /nesoi} on {@code client}, started (blocking: ZooKeeper calls). Give it back with {@link #release}. */
  public static NesoiCache acquire(CuratorFramework client) {
    return SHARED.acquire(client);
  }

  /** The last release closes the cache. */
  public void release() {
    SHARED.release(client, this);
  }

  /**
   * Follows {@code /nesoi} from now: {@code listener} hears, on {@code executor}, a creation for
   * every node the cache holds, then {@code initialized} once the cache has loaded (at once when it
   * had), then every change. A node may be heard of twice with the same data, and
   * {@code initialized} twice: the listener must take both as they come. With a direct executor
   * the listener also hears the cache's thread meanwhile: it must lock.
   *
   * @return stops the following
   */
  public AutoCloseable listen(CuratorCacheListener listener, Executor executor) {
    cache.listenable().addListener(listener, executor);
    executor.execute(() -> {
      cache.stream().forEach(node -> listener.event(CuratorCacheListener.Type.NODE_CREATED, null, node));
      if (initialized) {
        listener.initialized();
      }
    });
    return () -> cache.listenable().removeListener(listener);
  }
}
