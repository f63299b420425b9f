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
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    return node(name, new JsonObject());
  }

  private Vertx node(String name, JsonObject webhooks) throws Exception {
    // with the node's metrics, as the launcher starts it: the notifier's meters are checked too
    Vertx vertx = Vertx.vertx(new io.vertx.core.VertxOptions().setMetricsOptions(
      dev.pharos.metrics.PharosMetrics.options(new JsonObject().put("instanceId", name))));
    nodes.add(vertx);
    JsonObject conf = new JsonObject().put("instanceId", name)
      .put("zookeeper", new JsonObject().put("connect", zookeeper.getConnectString()).put("sessionTimeoutMs", 4000))
      .put("api", new JsonObject().put("host", "nesoi.example").put("port", 6553))
      .put("webhooks", new JsonObject().put("retryMinMs", 50).put("retryMaxMs", 400).mergeIn(webhooks));
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

  private void putHost(String service, String host) throws Exception {
    store.putHost(service, host, new JsonObject().put("name", host).put("endpoints", new JsonObject()));
  }

  private static List<String> uris(List<JsonObject> received) {
    return received.stream().map(j -> j.getString("uri")).toList();
  }

  private static String srv(String service, String host) {
    return "http://nesoi.example:6553/srv/" + service + "/" + host;
  }

  /** The notifier's record of a hook in ZooKeeper, or null. */
  private JsonObject state(String kind, String name, String hook) throws Exception {
    try {
      return new JsonObject(new String(zk.getData().forPath(NesoiStore.hookStatePath(kind, name, hook)), java.nio.charset.StandardCharsets.UTF_8));
    } catch (org.apache.zookeeper.KeeperException.NoNodeException none) {
      return null;
    }
  }

  @Test
  void oneDeliveryPerChangeInOrderAcrossAFailover() throws Exception {
    Vertx a = node("a");
    Vertx b = node("b");
    Await.until("one leader", () -> leads(a) != leads(b));
    List<JsonObject> received = new CopyOnWriteArrayList<>();
    // two refusals first: h2 queues behind h1's retries, so the order is the notifier's doing
    hook("srv", "dm", "dm-host", receiver(received, 503, 503));
    putApp("dm", 1); // no hook on the app: no delivery
    putHost("dm", "h1");
    putHost("dm", "h2");
    Await.until("two deliveries", () -> received.size() == 2);
    assertEquals(new JsonObject().put("name", "dm-host").put("uri", srv("dm", "h1")), received.get(0));
    assertEquals(List.of(srv("dm", "h1"), srv("dm", "h2")), uris(received), "in order");
    // a barrier, not a sleep: a later change on the same ordered queue comes after any stray one
    putHost("dm", "h3");
    Await.until("the barrier's delivery", () -> uris(received).contains(srv("dm", "h3")));
    assertEquals(List.of(srv("dm", "h1"), srv("dm", "h2"), srv("dm", "h3")), uris(received),
      "exactly once, from one notifier; the app change has no hook");

    Vertx leader = leads(a) ? a : b;
    Vertx other = leader == a ? b : a;
    nodes.remove(leader);
    leader.close().await(20, TimeUnit.SECONDS); // the latch goes with its session
    putHost("dm", "h4");
    Await.until("the other node takes over and delivers", () -> uris(received).contains(srv("dm", "h4")));
    assertEquals(srv("dm", "h4"), uris(received).get(received.size() - 1));
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
      putHost("web", host);
    }
    Await.until("the healthy hook has all three", () -> healthy.size() >= 3);
    Await.until("the flaky hook has all three, after its failures", () -> flaky.size() >= 3);
    putHost("web", "h4"); // the barrier: anything stray on either queue comes before it
    Await.until("both have the barrier", () -> uris(healthy).contains(srv("web", "h4")) && uris(flaky).contains(srv("web", "h4")));
    List<String> expected = List.of(srv("web", "h1"), srv("web", "h2"), srv("web", "h3"), srv("web", "h4"));
    assertEquals(expected, uris(flaky), "each change once, in order");
    assertEquals(expected, uris(healthy));
    Await.until("the dead hook shows failing", () -> state("srv", "web", "dead") != null
      && state("srv", "web", "dead").getBoolean("failing"));
    assertTrue(state("srv", "web", "dead").getString("lastError").contains("127.0.0.1:1"), state("srv", "web", "dead").encode());
  }

  @Test
  void aDeadHooksQueueIsBoundedDropsTheOldestAndShowsFailing() throws Exception {
    node("bounded", new JsonObject().put("maxQueued", 3)); // its own name: its own meter registry
    hook("srv", "db", "dead", "http://127.0.0.1:1/never");
    for (int i = 1; i <= 10; i++) {
      putHost("db", "h" + i);
    }
    String queue = dev.pharos.nesoi.DeliveryQueue.queue("srv", "db", "dead");
    Await.until("the 7 oldest dropped", () -> state("srv", "db", "dead") != null && state("srv", "db", "dead").getLong("dropped") == 7);
    JsonObject state = state("srv", "db", "dead");
    assertEquals(true, state.getBoolean("failing"), state.encode());
    assertEquals(7.0, dev.pharos.metrics.PharosMetrics.registry(new JsonObject().put("instanceId", "bounded"))
      .get("pharos.webhook.dropped").counter().count(), "the drops are counted");
    Await.until("ZooKeeper holds 3 deliveries, the newest", () -> zk.getChildren().forPath(queue).size() == 3);
    List<String> left = new ArrayList<>();
    for (String item : zk.getChildren().forPath(queue)) {
      left.add(new JsonObject(new String(zk.getData().forPath(queue + "/" + item), java.nio.charset.StandardCharsets.UTF_8)).getString("uri"));
    }
    left.sort(null);
    assertEquals(List.of("/srv/db/h10", "/srv/db/h8", "/srv/db/h9"), left);
  }

  @Test
  void aReceiverThatNeverFinishesItsAnswerTimesOutAndHoldsNoOtherHookUp() throws Exception {
    node("a", new JsonObject().put("timeoutMs", 500));
    // answers at once, then a byte every 100 ms forever: no idle timeout ever fires
    HttpServer trickler = receivers.createHttpServer().requestHandler(req -> {
      req.response().setChunked(true).write("x");
      receivers.setPeriodic(100, t -> req.response().write("x"));
    }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    // accepts the connection and never answers at all
    HttpServer silent = receivers.createHttpServer().requestHandler(req -> { }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    hook("srv", "web", "trickler", "http://127.0.0.1:" + trickler.actualPort() + "/hook");
    hook("srv", "web", "silent", "http://127.0.0.1:" + silent.actualPort() + "/hook");
    List<JsonObject> healthy = new CopyOnWriteArrayList<>();
    hook("srv", "web", "healthy", receiver(healthy));
    for (String host : List.of("h1", "h2", "h3")) {
      putHost("web", host);
    }
    Await.until("the healthy hook has all three", () -> healthy.size() >= 3);
    for (String hook : List.of("trickler", "silent")) {
      Await.until(hook + " fails on the deadline", () -> state("srv", "web", hook) != null
        && state("srv", "web", hook).getString("lastError", "").contains("no answer within 500 ms"));
    }
  }

  /**
   * A receiver that accepts connections and never answers while 50 changes queue up for it: each
   * POST fails on its deadline, the hook shows it failing and every change waits, in ZooKeeper;
   * once the receiver answers again, all 50 arrive, in order, and nothing else was held up.
   * Delivery is at least once: a change may arrive twice.
   */
  @Test
  void fiftyChangesQueuedBehindASilentReceiverAllArriveInOrderOnceItAnswers() throws Exception {
    node("a", new JsonObject().put("timeoutMs", 300));
    java.util.concurrent.atomic.AtomicBoolean answering = new java.util.concurrent.atomic.AtomicBoolean();
    List<JsonObject> late = new CopyOnWriteArrayList<>();
    HttpServer silent = receivers.createHttpServer().requestHandler(req -> {
      if (answering.get()) {
        req.body().onSuccess(body -> {
          late.add(body.toJsonObject());
          req.response().end();
        });
      } // else: the connection stays open and nothing ever comes back
    }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    hook("srv", "web", "silent", "http://127.0.0.1:" + silent.actualPort() + "/hook");
    List<JsonObject> healthy = new CopyOnWriteArrayList<>();
    hook("srv", "web", "healthy", receiver(healthy));
    List<String> expected = new ArrayList<>();
    for (int i = 1; i <= 50; i++) {
      putHost("web", "h" + i);
      expected.add(srv("web", "h" + i));
    }
    Await.until("the healthy hook has all fifty", () -> healthy.size() >= 50);
    String queue = dev.pharos.nesoi.DeliveryQueue.queue("srv", "web", "silent");
    Await.until("all fifty queued for the silent hook, which is failing", () -> zk.getChildren().forPath(queue).size() == 50
      && state("srv", "web", "silent") != null && state("srv", "web", "silent").getBoolean("failing", false));

    long answeringSince = System.nanoTime();
    answering.set(true);
    Await.until("all fifty delivered once it answers", () -> late.size() >= 50);
    System.out.printf("web-hook: 50 queued changes delivered %.1f s after the receiver answered again%n",
      (System.nanoTime() - answeringSince) / 1e9);
    // delivery is at least once: the healthy hook's first POST, the JVM's first, can outlast the
    // 300 ms deadline and come again; what counts is every change, never an older after a newer
    for (List<JsonObject> got : List.of(late, healthy)) {
      assertEquals(expected, uris(got).stream().distinct().toList(), "every change, in order");
      List<Integer> positions = uris(got).stream().map(expected::indexOf).toList();
      assertEquals(positions.stream().sorted().toList(), positions, "never an older change after a newer one");
    }
    Await.until("the queue empty", () -> zk.getChildren().forPath(queue).isEmpty());
  }

  @Test
  void aNameThatResolvesToARefusedAddressIsNotCalled() throws Exception {
    node("a", new JsonObject().put("allowedHosts", new io.vertx.core.json.JsonArray().add("192.0.2.0/24")));
    List<JsonObject> received = new CopyOnWriteArrayList<>();
    String endpoint = receiver(received).replace("127.0.0.1", "localhost"); // registered past the api's check
    hook("srv", "web", "local", endpoint);
    putHost("web", "h1");
    Await.until("refused at delivery", () -> state("srv", "web", "local") != null
      && state("srv", "web", "local").getString("lastError", "").contains("localhost (127.0.0.1) is not in webhooks.allowedHosts"));
    assertEquals(List.of(), received);
  }
}
