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

  /** A reader's following of the cache; closing it removes the reader's listener. */
  public interface Following extends AutoCloseable {
    @Override
    void close();
  }

  private static final PerClient<NesoiCache> SHARED = new PerClient<>(client -> {
    NesoiCache made = new NesoiCache(client);
    made.cache.start();
    return made;
  }, made -> made.cache.close());

  private final CuratorFramework client;
  private final CuratorCache cache;
  /** Written and read on Curator's notify thread only (volatile for the tests' sake). */
  private volatile boolean initialized;

  private NesoiCache(CuratorFramework client) {
    this.client = client;
    cache = CuratorCache.build(client, NesoiStore.ROOT);
    // called on Curator's notify thread, where listen() reads it
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
   * had), then every change. A node may be heard of twice, or with older data just before its
   * newer, and {@code initialized} twice: the listener must take each as it comes. The replay
   * is handed over from the one thread on which Curator calls every listener of the client, so it
   * comes in order with the changes around it (storage is written before that thread calls the
   * listeners, so what the replay reads is never older than what was told before it), and it
   * never runs on the caller's thread (an event loop, say).
   *
   * @return stops the following
   */
  public Following listen(CuratorCacheListener listener, Executor executor) {
    cache.listenable().addListener(listener, executor);
    client.runSafe(() -> {
      boolean loaded = initialized; // set on this same thread, by the cache's initialized call
      executor.execute(() -> {
        cache.stream().forEach(node -> listener.event(CuratorCacheListener.Type.NODE_CREATED, null, node));
        if (loaded) {
          listener.initialized();
        }
      });
    });
    return () -> cache.listenable().removeListener(listener);
  }
}
