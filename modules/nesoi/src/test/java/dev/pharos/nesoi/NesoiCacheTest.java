package dev.pharos.nesoi;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One cache of /nesoi per client, on a real (in-process) ZooKeeper: a reader that comes later is brought up to date. */
class NesoiCacheTest {

  private NesoiZooKeeper store;
  private CuratorFramework zk;
  private final ExecutorService serial = Executors.newSingleThreadExecutor();

  @BeforeEach
  void start() throws Exception {
    store = new NesoiZooKeeper();
    zk = store.zk;
  }

  @AfterEach
  void stop() throws Exception {
    serial.shutdownNow();
    store.close();
  }

  /** What a reader has heard: path to data, and whether it heard the cache loaded. */
  private static final class Reader {
    final Map<String, String> nodes = new ConcurrentHashMap<>();
    final CountDownLatch loaded = new CountDownLatch(1);
    final java.util.Set<Thread> threads = ConcurrentHashMap.newKeySet();

    CuratorCacheListener listener() {
      return CuratorCacheListener.builder()
        .forCreatesAndChanges((before, node) -> {
          threads.add(Thread.currentThread());
          nodes.put(node.getPath(), new String(node.getData(), StandardCharsets.UTF_8));
        })
        .forDeletes(node -> nodes.remove(node.getPath()))
        .forInitialized(loaded::countDown)
        .build();
    }

    boolean has(String path, String data, long ms) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
      while (!data.equals(nodes.get(path)) && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      return data.equals(nodes.get(path));
    }
  }

  private void write(String path, String data) throws Exception {
    zk.create().orSetData().creatingParentsIfNeeded().forPath(path, data.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aReaderThatComesLaterHearsWhatTheCacheHoldsThenEveryChange() throws Exception {
    write(NesoiStore.SERVICES + "/api/h1", "{\"v\":1}");
    NesoiCache first = NesoiCache.acquire(zk);
    Reader early = new Reader();
    NesoiCache.Following earlyFollowing = first.listen(early.listener(), serial);
    assertTrue(early.loaded.await(10, TimeUnit.SECONDS), "the first reader hears the cache loaded");
    assertTrue(early.has(NesoiStore.SERVICES + "/api/h1", "{\"v\":1}", 5000));

    NesoiCache second = NesoiCache.acquire(zk);
    assertSame(first, second, "one cache per client");
    Reader late = new Reader();
    NesoiCache.Following lateFollowing = second.listen(late.listener(), Runnable::run);
    assertTrue(late.loaded.await(10, TimeUnit.SECONDS), "a reader that comes after the load hears it loaded");
    assertEquals("{\"v\":1}", late.nodes.get(NesoiStore.SERVICES + "/api/h1"), "and what the cache held");
    // handed over on Curator's one notify thread, in order with the changes around it, never on the caller's
    assertTrue(!late.threads.isEmpty() && !late.threads.contains(Thread.currentThread()), "replayed on " + late.threads);

    write(NesoiStore.SERVICES + "/api/h1", "{\"v\":2}");
    assertTrue(early.has(NesoiStore.SERVICES + "/api/h1", "{\"v\":2}", 5000));
    assertTrue(late.has(NesoiStore.SERVICES + "/api/h1", "{\"v\":2}", 5000));

    lateFollowing.close();
    second.release();
    write(NesoiStore.SERVICES + "/api/h2", "{\"v\":3}");
    assertTrue(early.has(NesoiStore.SERVICES + "/api/h2", "{\"v\":3}", 5000), "the first reader still follows");
    // a later write on the same cache: once it is heard, the cache has told every listener of h2
    write(NesoiStore.SERVICES + "/api/h3", "{\"v\":4}");
    assertTrue(early.has(NesoiStore.SERVICES + "/api/h3", "{\"v\":4}", 5000));
    assertTrue(!late.nodes.containsKey(NesoiStore.SERVICES + "/api/h2"), "the reader that stopped hears no more");

    earlyFollowing.close();
    first.release();
    NesoiCache fresh = NesoiCache.acquire(zk);
    assertNotSame(first, fresh, "the last release closed it; the next acquire starts another");
    fresh.release();
  }
}
