package dev.pharos.registrar.impl;

import dev.pharos.metrics.StoreMeters;
import dev.pharos.model.Container;
import dev.pharos.model.Host;
import dev.pharos.model.Instance;
import dev.pharos.model.ServiceDocument;
import dev.pharos.stage.StageStatus;
import dev.pharos.zookeeper.ZooKeeperClients;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@link NerveRegistry} on a real in-process ZooKeeper, driven on one context as the registrar drives it. */
@ExtendWith(VertxExtension.class)
class NerveRegistryTest {

  /** A group settled long ago. */
  private static final NerveRegistry.Group QUIET = new NerveRegistry.Group() {
    @Override
    public boolean ready() {
      return true;
    }

    @Override
    public boolean unsettled() {
      return false;
    }

    @Override
    public long sinceChangeMs() {
      return Long.MAX_VALUE;
    }

    @Override
    public boolean caughtUp() {
      return true;
    }
  };

  private TestingServer server;
  private CuratorFramework client;

  @BeforeEach
  void start() throws Exception {
    server = new TestingServer(true);
    client = ZooKeeperClients.start(new JsonObject().put("connect", server.getConnectString()));
    client.blockUntilConnected(10, TimeUnit.SECONDS);
    client.create().creatingParentsIfNeeded().forPath("/env/dev/sd/web", "{\"nerve\":{}}".getBytes());
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    server.close();
  }

  private static Instance instance(String id, int port) {
    return new Instance(id, "dev", "web", "h1", "c-" + id, "127.0.0.1", port,
      new JsonObject().put("host", "127.0.0.1").put("port", port).put("name", id),
      ServiceDocument.of(new Host("h1", "127.0.0.1"), Container.of("c-" + id, "web-" + id, "img", Map.of(), List.of(), false),
        "dev", "web", 80, port, "tcp"));
  }

  /**
   * An instance that went up, down and up again has its second registration queued behind its
   * deregistration: for that moment it is held by no one, yet still wanted, so a reconcile does
   * not report its "up" as lost. Sampled on the registry's context between every one of its steps.
   */
  @Test
  void anInstanceThatFlappedIsWantedWhileItsRegistrationWaitsBehindItsDeregistration(Vertx vertx) throws Exception {
    Context context = vertx.getOrCreateContext();
    NerveRegistry nerve = new NerveRegistry(vertx,
      new NerveZooKeeperReporter(context, client, new StoreMeters(new SimpleMeterRegistry(), "zookeeper")),
      i -> true, (type, i, path) -> { }, new StageStatus("registrar", "n1"), 0, QUIET);
    Instance web = instance("h1-a", 8080);
    CompletableFuture<Boolean> sawUnheld = new CompletableFuture<>();
    long deadline = System.currentTimeMillis() + 10_000;
    context.runOnContext(v -> {
      nerve.register(web);
      nerve.deregister(web, false);
      nerve.register(web);
      sample(context, nerve, web, false, deadline, sawUnheld);
    });
    assertEquals(true, sawUnheld.get(15, TimeUnit.SECONDS), "held by no one between the two registrations");

    CompletableFuture<Boolean> gone = new CompletableFuture<>();
    context.runOnContext(v -> {
      nerve.deregister(web, false);
      awaitUnwanted(context, nerve, web, deadline, gone);
    });
    assertEquals(true, gone.get(15, TimeUnit.SECONDS), "a deregistration asked last: no longer wanted");
  }

  /**
   * In a quiet group the create does not wait for the listing; a znode of the instance that was
   * there all the same (another session's) is still found by it and removed, leaving one.
   */
  @Test
  void aQuietCreateStillRemovesAnotherZnodeOfTheInstance(Vertx vertx) throws Exception {
    client.create().creatingParentsIfNeeded().forPath("/env/dev/sd/web/sd/h1-b_0000000000", "{}".getBytes());
    try (CuratorFramework other = ZooKeeperClients.start(new JsonObject().put("connect", server.getConnectString()))) {
      other.blockUntilConnected(10, TimeUnit.SECONDS);
      other.create().withMode(org.apache.zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL).forPath("/env/dev/sd/web/sd/h1-b_", "{}".getBytes());
      Context context = vertx.getOrCreateContext();
      NerveRegistry nerve = new NerveRegistry(vertx,
        new NerveZooKeeperReporter(context, client, new StoreMeters(new SimpleMeterRegistry(), "zookeeper")),
        i -> true, (type, i, path) -> { }, new StageStatus("registrar", "n1"), 0, QUIET);
      Instance web = instance("h1-b", 8081);
      context.runOnContext(v -> nerve.registerFresh(web));
      long session = client.getZookeeperClient().getZooKeeper().getSessionId();
      dev.pharos.testing.Await.until("one znode of the instance, this registry's", () -> {
        List<String> children = client.getChildren().forPath("/env/dev/sd/web/sd");
        if (children.size() != 1) {
          return false;
        }
        org.apache.zookeeper.data.Stat stat = client.checkExists().forPath("/env/dev/sd/web/sd/" + children.get(0));
        return stat != null && stat.getEphemeralOwner() == session;
      });
    }
  }

  /** Until the instance is registered again: never unwanted; whether it was ever held by no one. */
  private static void sample(Context context, NerveRegistry nerve, Instance web, boolean sawUnheld, long deadline,
                             CompletableFuture<Boolean> done) {
    if (!nerve.wanted(web.id())) {
      done.completeExceptionally(new AssertionError("an instance whose latest fact was up is not wanted"));
      return;
    }
    boolean unheld = sawUnheld || nerve.instance(web.id()) == null;
    if (nerve.services().contains(web) && unheld) {
      done.complete(true);
    } else if (System.currentTimeMillis() > deadline) {
      done.complete(unheld);
    } else {
      context.runOnContext(v -> sample(context, nerve, web, unheld, deadline, done));
    }
  }

  private static void awaitUnwanted(Context context, NerveRegistry nerve, Instance web, long deadline,
                                    CompletableFuture<Boolean> done) {
    if (!nerve.wanted(web.id()) && nerve.instance(web.id()) == null) {
      done.complete(true);
    } else if (System.currentTimeMillis() > deadline) {
      done.complete(false);
    } else {
      context.runOnContext(v -> awaitUnwanted(context, nerve, web, deadline, done));
    }
  }
}
