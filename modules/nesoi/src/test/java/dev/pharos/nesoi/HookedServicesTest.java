package dev.pharos.nesoi;

import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The process's one view of which services have web-hooks, shared by every registrar instance. */
class HookedServicesTest {

  private NesoiZooKeeper store;
  private CuratorFramework zk;

  @BeforeEach
  void start() throws Exception {
    store = new NesoiZooKeeper();
    zk = store.zk;
  }

  @AfterEach
  void stop() throws Exception {
    store.close();
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, what + " within 10 s");
      Thread.sleep(10);
    }
  }

  private void hook(String service, String id) throws Exception {
    zk.create().creatingParentsIfNeeded().forPath(NesoiStore.HOOKS + "/srv/" + service + "/" + id, "{}".getBytes());
  }

  @Test
  void everyInstanceOnOneClientSharesOneViewUntilTheLastLetsGo() throws Exception {
    HookedServices first = HookedServices.acquire(zk);
    HookedServices second = HookedServices.acquire(zk);
    assertSame(first, second, "one view, one cache, per client");
    hook("web", "h1");
    await(() -> Boolean.TRUE.equals(first.hooked("web")), "the hook heard");
    first.release();
    hook("db", "h2");
    await(() -> Boolean.TRUE.equals(second.hooked("db")), "the view still followed after one release");
    second.release();
    HookedServices fresh = HookedServices.acquire(zk);
    assertNotSame(second, fresh, "the last release closed it; the next acquire starts anew");
    await(() -> Boolean.TRUE.equals(fresh.hooked("web")) && Boolean.TRUE.equals(fresh.hooked("db")), "a new view loads");
    fresh.release();
  }
}
