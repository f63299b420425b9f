package dev.pharos.webhooks;

import dev.pharos.bus.Addresses;
import dev.pharos.nesoi.NesoiStore;
import dev.pharos.testing.Await;
import dev.pharos.zookeeper.ZooKeeperClients;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Two notifiers (two Vert.x nodes) on one real in-process ZooKeeper, and web-hook receivers
 * that are real HTTP servers: one delivery per change, in order, through failures and a failover.
 */
class WebhookNotifierTest {

  private TestingServer zookeeper;
  private CuratorFramework zk;
  private NesoiStore store;
  private final List<Vertx> nodes = new ArrayList<>();
  private Vertx receivers;

  @BeforeEach
  void start() throws Exception {
    zookeeper = new TestingServer(true);
    zk = ZooKeeperClients.start(new JsonObject().put("connect", zookeeper.getConnectString()));
    store = new NesoiStore(zk);
    store.ensureLayout();
    receivers = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    for (Vertx node : nodes) {
      node.close().await(20, TimeUnit.SECONDS);
    }
    receivers.close().await(20, TimeUnit.SECONDS);
    zk.close();
    zookeeper.close();
  }

  private Vertx node(String name) throws Exception {
    Vertx vertx = Vertx.vertx();
    nodes.add(vertx);
    JsonObject conf = new JsonObject().put("instanceId", name)
      .put("zookeeper", new JsonObject().put("connect", zookeeper.getConnectString()).put("sessionTimeoutMs", 4000))
      .put("api", new JsonObject().put("host", "nesoi.example").put("port", 6553))
      .put("webhooks", new JsonObject().put("retryMinMs", 50).put("retryMaxMs", 400));
    vertx.deployVerticle(new WebhookNotifierVerticle(), new DeploymentOptions().setConfig(conf)).await(20, TimeUnit.SECONDS);
    return vertx;
  }

  private static boolean leads(Vertx node) throws Exception {
    return node.eventBus().<JsonObject>request(Addresses.status(Addresses.WEBHOOKS), new JsonObject())
      .await(5, TimeUnit.SECONDS).body().getJsonObject("details").getBoolean("leader", false);
  }

  /** A receiver that records each POST's body and answers with the next of {@code statuses} (then 200). */
  private String receiver(List<JsonObject> received, int... statuses) throws Exception {
    AtomicInteger calls = new AtomicInteger();
    HttpServer server = receivers.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      int call = calls.getAndIncrement();
      int status = call < statuses.length ? statuses[call] : 200;
      if (status == 200) {
        received.add(body.toJsonObject());
      }
      req.response().setStatusCode(status).end();
    })).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    return "http://127.0.0.1:" + server.actualPort() + "/hook";
  }

  private void hook(String kind, String name, String hook, String endpoint) throws Exception {
    store.putHook(kind, name, new JsonObject().put("endpoint", endpoint).put("name", hook));
  }

  private void putApp(String name, int version) throws Exception {
    store.putApp(name, new JsonObject().put("name", name).put("config", new JsonObject().put("v", version)));
  }

  @Test
  void oneDeliveryPerChangeInOrderAcrossAFailover() throws Exception {
    Vertx a = node("a");
    Vertx b = node("b");
    Await.until("one leader", () -> leads(a) != leads(b));
    List<JsonObject> received = new CopyOnWriteArrayList<>();
    hook("app", "dm", "dm-host1", receiver(received));
    putApp("dm", 1);
    putApp("dm", 2);
    store.putHost("dm", "host1", new JsonObject().put("name", "host1").put("endpoints", new JsonObject()));
    Await.until("two deliveries", () -> received.size() == 2);
    assertEquals(new JsonObject().put("name", "dm-host1").put("uri", "http://nesoi.example:6553/app/dm"), received.get(0));
    Thread.sleep(500);
    assertEquals(2, received.size(), "exactly once, from one notifier; the srv change has no hook");

    Vertx leader = leads(a) ? a : b;
    Vertx other = leader == a ? b : a;
    nodes.remove(leader);
    leader.close().await(20, TimeUnit.SECONDS); // the latch goes with its session
    putApp("dm", 3);
    Await.until("the other node takes over and delivers", () -> received.size() == 3);
    assertEquals(true, leads(other));
  }

  @Test
  void aFailingReceiverGetsEveryChangeOnceInOrderAndDelaysNoOtherHook() throws Exception {
    node("a");
    List<JsonObject> flaky = new CopyOnWriteArrayList<>();
    List<JsonObject> healthy = new CopyOnWriteArrayList<>();
    hook("srv", "web", "flaky", receiver(flaky, 500, 500, 503));
    hook("srv", "web", "healthy", receiver(healthy));
    hook("srv", "web", "dead", "http://127.0.0.1:1/never");
    for (String host : List.of("h1", "h2", "h3")) {
      store.putHost("web", host, new JsonObject().put("name", host).put("endpoints", new JsonObject()));
    }
    Await.until("the healthy hook has all three", () -> healthy.size() == 3);
    Await.until("the flaky hook has all three, after its failures", () -> flaky.size() == 3);
    Thread.sleep(300);
    List<String> expected = List.of("http://nesoi.example:6553/srv/web/h1", "http://nesoi.example:6553/srv/web/h2",
      "http://nesoi.example:6553/srv/web/h3");
    assertEquals(expected, flaky.stream().map(j -> j.getString("uri")).toList(), "each change once, in order");
    assertEquals(expected, healthy.stream().map(j -> j.getString("uri")).toList());
  }
}
