package dev.pharos.nesoi;

import dev.pharos.zookeeper.ZooKeeperClients;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The view's waits for a write to show: each has a timeout, and only so many may wait. */
@ExtendWith(VertxExtension.class)
class NesoiViewTest {

  private TestingServer server;
  private CuratorFramework zk;
  private NesoiView view;
  private Context context;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    server = new TestingServer(true);
    zk = ZooKeeperClients.start(new JsonObject().put("connect", server.getConnectString()));
    new NesoiStore(zk).ensureLayout();
    context = vertx.getOrCreateContext();
    view = new NesoiView(zk, context, 300, 2);
    view.start().await(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    view.close();
    zk.close();
    server.close();
  }

  /** Runs on the view's context, as its owner does. */
  private <T> Future<T> onContext(Callable<Future<T>> call) {
    return Future.<Future<T>>future(p -> context.runOnContext(v -> {
      try {
        p.complete(call.call());
      } catch (Exception e) {
        p.fail(e);
      }
    })).compose(f -> f);
  }

  private static Throwable failure(Future<?> future) throws Exception {
    try {
      future.await(5, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("the wait never ended", e);
    } catch (Exception e) {
      return e;
    }
    throw new AssertionError("the wait succeeded");
  }

  @Test
  void aWriteThatNeverShowsFailsAfterTheTimeout() throws Exception {
    Throwable why = failure(onContext(() -> view.awaitPath(NesoiStore.appPath("never"), "{}".getBytes(StandardCharsets.UTF_8))));
    assertTrue(why.getMessage().contains("/nesoi/app/never") && why.getMessage().contains("300 ms"), why.getMessage());
  }

  @Test
  void onlySoManyWritesMayWaitAndAShownWriteStillCompletes() throws Exception {
    byte[] doc = new JsonObject().put("name", "a").put("config", new JsonObject()).encode().getBytes(StandardCharsets.UTF_8);
    Future<Void> first = onContext(() -> view.awaitPath(NesoiStore.appPath("a"), doc));
    Future<Void> second = onContext(() -> view.awaitPath(NesoiStore.appPath("b"), doc));
    Throwable third = failure(onContext(() -> view.awaitPath(NesoiStore.appPath("c"), doc)));
    assertTrue(third.getMessage().contains("2 writes already wait"), third.getMessage());
    zk.create().forPath(NesoiStore.appPath("a"), doc);
    first.await(5, TimeUnit.SECONDS);
    assertTrue(failure(second).getMessage().contains("/nesoi/app/b"));
  }
}
