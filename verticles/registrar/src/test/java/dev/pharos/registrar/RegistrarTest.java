package dev.pharos.registrar;

import dev.pharos.testing.EventLoopGuard;
import dev.pharos.bus.Addresses;
import dev.pharos.model.Container;
import dev.pharos.model.Host;
import dev.pharos.model.Instance;
import dev.pharos.model.ServiceDocument;
import dev.pharos.zookeeper.ZooKeeperClients;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import dev.pharos.testing.Await;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The registrar against a real, in-process ZooKeeper server; each test under its own chroot. */
@ExtendWith(EventLoopGuard.class)
class RegistrarTest {

  private static TestingServer server;
  private CuratorFramework zk;
  private JsonObject conf;
  private String deployment;
  private final AtomicReference<CuratorFramework> registrarClient = new AtomicReference<>();

  @BeforeAll
  static void startServer() throws Exception {
    server = new TestingServer(true);
  }

  @AfterAll
  static void stopServer() throws Exception {
    server.close();
  }

  @BeforeEach
  void deployRegistrar(Vertx vertx) throws Exception {
    String chroot = "/registrar-" + UUID.randomUUID();
    try (CuratorFramework root = ZooKeeperClients.start(new JsonObject().put("connect", server.getConnectString()))) {
      root.blockUntilConnected(10, TimeUnit.SECONDS);
      root.create().forPath(chroot);
    }
    JsonObject zkConf = new JsonObject().put("connect", server.getConnectString() + chroot).put("sessionTimeoutMs", 4000);
    zk = ZooKeeperClients.start(zkConf);
    zk.create().creatingParentsIfNeeded().forPath("/env/dev/sd/web", "{\"nerve\":{}}".getBytes());
    conf = new JsonObject().put("instanceId", "h1").put("hostIp", "127.0.0.1").put("zookeeper", zkConf)
      .put("registrar", new JsonObject().put("reconcileIntervalMs", 300));
    deployment = deploy(vertx);
  }

  private String deploy(Vertx vertx) throws Exception {
    return vertx.deployVerticle(() -> new RegistrarVerticle(c -> {
      CuratorFramework client = ZooKeeperClients.start(c);
      registrarClient.set(client);
      return client;
    }), new DeploymentOptions().setConfig(conf)).await(20, TimeUnit.SECONDS);
  }

  @AfterEach
  void closeClient() {
    zk.close();
  }

  private static Instance instance(String id, int port) {
    return instance(id, port, "web");
  }

  private static Instance instance(String id, int port, String app) {
    return new Instance(id, "dev", app, "h1", "c-" + id, "127.0.0.1", port,
      new JsonObject().put("host", "127.0.0.1").put("port", port).put("name", id),
      ServiceDocument.of(new Host("h1", "127.0.0.1"), Container.of("c-" + id, app + "-" + id, "img", Map.of(), List.of(), false),
        "dev", app, 80, port, "tcp"));
  }

  private static void publish(Vertx vertx, String type, Instance instance) {
    vertx.eventBus().publish(Addresses.INSTANCES, new JsonObject().put("type", type).put("instance", instance.toJson()));
  }

  private List<String> registrations() throws Exception {
    return zk.checkExists().forPath("/env/dev/sd/web/sd") == null ? List.of() : zk.getChildren().forPath("/env/dev/sd/web/sd");
  }

  private static JsonObject status(Vertx vertx) throws Exception {
    return vertx.eventBus().<JsonObject>request(Addresses.status(Addresses.REGISTRAR), new JsonObject())
      .await(10, TimeUnit.SECONDS).body();
  }

  /**
   * The barrier behind every "nothing more happened": two more reconciles have started, then a
   * changed "up" of each instance (a new weight) is written. Each such write is chained after
   * every earlier step of its instance, the reconciles' re-creates included, and all go on the
   * registrar's one session, whose requests ZooKeeper applies in order.
   */
  private void afterTwoReconciles(Vertx vertx, Instance... instances) throws Exception {
    long before = status(vertx).getJsonObject("details").getLong("reconciles", 0L);
    Await.until("two more reconciles", () -> status(vertx).getJsonObject("details").getLong("reconciles", 0L) >= before + 2);
    int weight = ++barriers;
    for (Instance i : instances) {
      publish(vertx, "up", new Instance(i.id(), i.env(), i.app(), i.hostId(), i.containerId(), i.host(), i.port(),
        i.data().copy().put("weight", weight), i.document()));
    }
    for (Instance i : instances) {
      Await.until("the later write of " + i.id(), () -> registrations().stream().filter(c -> c.startsWith(i.id() + "_"))
        .anyMatch(c -> weightOf(c) == weight));
    }
  }

  private int barriers;

  private int weightOf(String child) {
    try {
      return new JsonObject(new String(zk.getData().forPath("/env/dev/sd/web/sd/" + child))).getInteger("weight", 0);
    } catch (Exception gone) {
      return -1; // deleted between the listing and the read
    }
  }


  @Test
  void registersInNervesFormatAndDeregisters(Vertx vertx) throws Exception {
    publish(vertx, "up", instance("h1-aaa", 8080));
    Await.until("one registration", () -> registrations().size() == 1);
    String child = registrations().get(0);
    assertTrue(child.matches("h1-aaa_\\d{10}"), child);
    assertEquals("{\"host\":\"127.0.0.1\",\"port\":8080,\"name\":\"h1-aaa\"}",
      new String(zk.getData().forPath("/env/dev/sd/web/sd/" + child)));
    publish(vertx, "up", instance("h1-aaa", 8080));
    publish(vertx, "down", instance("h1-aaa", 8080));
    Await.until("no registration", () -> registrations().isEmpty());
  }

  private static JsonObject maintenance(Vertx vertx, String id, boolean on) throws Exception {
    return vertx.eventBus().<JsonObject>request(Addresses.MAINTENANCE, new JsonObject().put("id", id).put("maintenance", on)
      .put("reason", "kernel upgrade")).await(10, TimeUnit.SECONDS).body();
  }

  private static JsonObject snapshot(Vertx vertx) throws Exception {
    return vertx.eventBus().<JsonObject>request(Addresses.REGISTRATIONS_SNAPSHOT, new JsonObject()).await(10, TimeUnit.SECONDS).body();
  }

  @Test
  void aSnapshotRequestNamingAnAppGetsThatAppsRegistrationsOnly(Vertx vertx) throws Exception {
    zk.create().creatingParentsIfNeeded().forPath("/env/dev/sd/api", "{\"nerve\":{}}".getBytes());
    publish(vertx, "up", instance("h1-aaa", 8080));
    publish(vertx, "up", instance("h1-bbb", 8081, "api"));
    Await.until("both registered", () -> snapshot(vertx).getJsonArray("registrations").size() == 2);
    JsonArray api = vertx.eventBus().<JsonObject>request(Addresses.REGISTRATIONS_SNAPSHOT,
      new JsonObject().put("apps", new JsonArray().add("api"))).await(10, TimeUnit.SECONDS).body().getJsonArray("registrations");
    assertEquals(1, api.size());
    assertEquals("h1-bbb", api.getJsonObject(0).getJsonObject("instance").getString("id"));
    var refused = vertx.eventBus().<JsonObject>request(Addresses.REGISTRATIONS_SNAPSHOT, new JsonObject().put("apps", "api"))
      .toCompletionStage().toCompletableFuture();
    var failure = org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.ExecutionException.class,
      () -> refused.get(10, TimeUnit.SECONDS));
    assertTrue(failure.getCause().getMessage().contains("apps: "), failure.getCause().getMessage());

    // the list of services asks for a summary: counts by app and env, the latest since, no registration
    JsonObject summary = vertx.eventBus().<JsonObject>request(Addresses.REGISTRATIONS_SNAPSHOT,
      new JsonObject().put("summary", true)).await(10, TimeUnit.SECONDS).body();
    assertEquals(null, summary.getJsonArray("registrations"), summary.encode());
    JsonObject web = summary.getJsonObject("summary").getJsonObject("web").getJsonObject("dev");
    assertEquals(1, web.getInteger("registered"));
    assertTrue(web.getLong("since") > 0, web.encode());
    assertEquals(1, summary.getJsonObject("summary").getJsonObject("api").getJsonObject("dev").getInteger("registered"));
    assertEquals(new JsonArray(), summary.getJsonArray("maintenance"));
    var badSummary = vertx.eventBus().<JsonObject>request(Addresses.REGISTRATIONS_SNAPSHOT, new JsonObject().put("summary", 1))
      .toCompletionStage().toCompletableFuture();
    var summaryFailure = org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.ExecutionException.class,
      () -> badSummary.get(10, TimeUnit.SECONDS));
    assertTrue(summaryFailure.getCause().getMessage().contains("'summary' must be true"), summaryFailure.getCause().getMessage());

    // in pages of one: the first page has one registration and says there is more; put together, both
    JsonObject first = vertx.eventBus().<JsonObject>request(Addresses.REGISTRATIONS_SNAPSHOT,
      new JsonObject().put(dev.pharos.bus.PagedReplies.PAGE_SIZE, 1)).await(10, TimeUnit.SECONDS).body();
    assertEquals(1, first.getJsonArray("registrations").size());
    assertEquals(true, first.getBoolean("more"));
    assertEquals(2, dev.pharos.bus.PagedReplies.request(vertx, Addresses.REGISTRATIONS_SNAPSHOT, new JsonObject(), 1,
      new io.vertx.core.eventbus.DeliveryOptions().setSendTimeout(5000)).await(10, TimeUnit.SECONDS).getJsonArray("registrations").size());
  }

  @Test
  void maintenanceDrainsARegistrationUntilItIsTakenOut(Vertx vertx) throws Exception {
    List<JsonObject> changes = new java.util.concurrent.CopyOnWriteArrayList<>();
    vertx.eventBus().<JsonObject>consumer(Addresses.CHANGES, m -> changes.add(m.body()));
    publish(vertx, "up", instance("h1-aaa", 8080));
    Await.until("registered", () -> registrations().size() == 1);

    assertEquals(true, maintenance(vertx, "h1-aaa", true).getBoolean("maintenance"));
    Await.until("drained", () -> registrations().isEmpty());
    assertEquals("kernel upgrade", new JsonObject(new String(zk.getData().forPath("/pharos/maintenance/h1-aaa"))).getString("reason"));
    JsonObject drained = snapshot(vertx).getJsonArray("maintenance").getJsonObject(0);
    assertEquals("h1-aaa", drained.getJsonObject("instance").getString("id"));
    assertTrue(changes.stream().anyMatch(c -> "maintenance-on".equals(c.getString("type"))), changes.toString());

    publish(vertx, "up", instance("h1-aaa", 8080)); // the checker keeps reporting it up: it stays out
    // a later fact on the same address from the same sender: once it is written, so would h1-aaa be
    publish(vertx, "up", instance("h1-bbb", 8081));
    Await.until("the later instance registered", () -> registrations().stream().anyMatch(c -> c.startsWith("h1-bbb_")));
    assertEquals(1, registrations().size(), "only the later instance: " + registrations());

    maintenance(vertx, "h1-aaa", false);
    Await.until("registered again", () -> registrations().stream().anyMatch(c -> c.startsWith("h1-aaa_")));
    assertTrue(snapshot(vertx).getJsonArray("maintenance").isEmpty());
    assertTrue(snapshot(vertx).getJsonArray("registrations").getJsonObject(0).getLong("since") > 0);
    assertTrue(changes.stream().anyMatch(c -> "maintenance-off".equals(c.getString("type"))));
  }

  @Test
  void maintenanceRefusesUnknownAndMalformedInstances(Vertx vertx) {
    var unknown = (io.vertx.core.eventbus.ReplyException) org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
      () -> vertx.eventBus().request(Addresses.MAINTENANCE, new JsonObject().put("id", "nobody")).await(10, TimeUnit.SECONDS));
    assertEquals(404, unknown.failureCode());
    var malformed = (io.vertx.core.eventbus.ReplyException) org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
      () -> vertx.eventBus().request(Addresses.MAINTENANCE, new JsonObject().put("id", "..")).await(10, TimeUnit.SECONDS));
    assertEquals(400, malformed.failureCode());
  }

  /** Counts the registrar client's existence checks (Curator traces every operation it runs). */
  private java.util.concurrent.atomic.AtomicInteger countExistenceChecks() {
    java.util.concurrent.atomic.AtomicInteger checks = new java.util.concurrent.atomic.AtomicInteger();
    registrarClient.get().getZookeeperClient().setTracerDriver(new org.apache.curator.drivers.AdvancedTracerDriver() {
      @Override
      public void addTrace(org.apache.curator.drivers.OperationTrace trace) {
        if (trace.getName().startsWith("ExistsBuilderImpl-Background")) {
          checks.incrementAndGet();
        }
      }

      @Override
      public void addEvent(org.apache.curator.drivers.EventTrace trace) {
      }
    });
    return checks;
  }

  /**
   * A registration asks ZooKeeper nothing about web-hooks when its service has none (it asked
   * whether it had one, once per registration); the registrations of a service with a hook are
   * recorded for it. The record is written after every earlier registration's web-hook work,
   * so once it is there none of them can still ask.
   */
  @Test
  void registrationsAskNothingOfServicesWithoutHooksAndAreRecordedForAHook(Vertx vertx) throws Exception {
    zk.create().forPath("/env/dev/sd/api", "{\"nerve\":{}}".getBytes());
    java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
    registrarClient.get().getZookeeperClient().setTracerDriver(new org.apache.curator.drivers.AdvancedTracerDriver() {
      @Override
      public void addTrace(org.apache.curator.drivers.OperationTrace trace) {
        if (trace.getPath() != null && trace.getPath().contains("/nesoi/hooks/srv/api")) {
          asked.incrementAndGet();
        }
      }

      @Override
      public void addEvent(org.apache.curator.drivers.EventTrace trace) {
      }
    });
    zk.create().creatingParentsIfNeeded().forPath("/nesoi/hooks/srv/web/watcher", "{\"name\":\"watcher\"}".getBytes());
    zk.create().creatingParentsIfNeeded().forPath("/nesoi/changes");
    java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
    Await.until("a registration of web recorded for its hook", () -> {
      // one more until the hook is heard of (a moment after it is written)
      publish(vertx, "up", instance("h1-hooked" + next.get(), 9200 + next.getAndIncrement()));
      return !zk.getChildren().forPath("/nesoi/changes").isEmpty();
    });
    String record = new String(zk.getData().forPath("/nesoi/changes/" + zk.getChildren().forPath("/nesoi/changes").get(0)));
    assertTrue(record.contains("/srv/web/h1-hooked"), record);

    for (int i = 0; i < 20; i++) {
      publish(vertx, "up", instance("h1-api" + i, 9100 + i, "api"));
    }
    Await.until("twenty registrations of api", () -> zk.getChildren().forPath("/env/dev/sd/api/sd").size() == 20);
    int records = zk.getChildren().forPath("/nesoi/changes").size();
    publish(vertx, "up", instance("h1-later", 9300));
    Await.until("the later registration of web recorded", () -> zk.getChildren().forPath("/nesoi/changes").size() > records);
    assertEquals(0, asked.get(), "requests about the hooks of api, which has none, for its twenty registrations");
  }

  @Test
  void aRegistrationDeletedByHandIsMadeAgainAndReconcilesDoNotReadTheHeldOnes(Vertx vertx) throws Exception {
    List<Instance> instances = new java.util.ArrayList<>();
    for (int i = 0; i < 20; i++) {
      instances.add(instance("h1-i" + i, 9000 + i));
      publish(vertx, "up", instances.get(i));
    }
    Await.until("twenty registrations", () -> registrations().size() == 20);
    java.util.concurrent.atomic.AtomicInteger checks = countExistenceChecks();
    afterTwoReconciles(vertx, instances.toArray(new Instance[0]));
    // each barrier write changes a znode's data, which re-arms its deletion watch (Curator traces
    // up to two checks for it); statting every held znode at each reconcile made 200
    assertTrue(checks.get() <= 40, "two reconciles on one session read no held registration: " + checks.get() + " checks");

    String gone = registrations().stream().filter(c -> c.startsWith("h1-i7_")).findFirst().orElseThrow();
    zk.delete().forPath("/env/dev/sd/web/sd/" + gone);
    Await.until("made again at once", () -> registrations().stream().anyMatch(c -> c.startsWith("h1-i7_") && !c.equals(gone)));
    afterTwoReconciles(vertx, instances.get(7));
    assertEquals(1, registrations().stream().filter(c -> c.startsWith("h1-i7_")).count());
  }

  @Test
  void recreatesExactlyOneRegistrationAfterSessionExpiry(Vertx vertx) throws Exception {
    publish(vertx, "up", instance("h1-aaa", 8080));
    publish(vertx, "up", instance("h1-bbb", 8081));
    Await.until("two registrations", () -> registrations().size() == 2);
    List<String> before = registrations();
    long session = registrarClient.get().getZookeeperClient().getZooKeeper().getSessionId();
    registrarClient.get().getZookeeperClient().getZooKeeper().getTestable().injectSessionExpiration();
    Await.until("a new session", () -> registrarClient.get().getZookeeperClient().isConnected()
      && registrarClient.get().getZookeeperClient().getZooKeeper().getSessionId() != session);
    Await.until("both re-created", () -> registrations().size() == 2 && !registrations().containsAll(before));
    afterTwoReconciles(vertx, instance("h1-aaa", 8080), instance("h1-bbb", 8081));
    List<String> after = registrations();
    assertEquals(2, after.size(), "no duplicate after reconciles: " + after);
    assertEquals(1, after.stream().filter(c -> c.startsWith("h1-aaa_")).count());
    assertEquals(1, after.stream().filter(c -> c.startsWith("h1-bbb_")).count());
    assertNotEquals(before, after);
  }

  @Test
  void comesBackOnceAfterTheServerWasDownLongerThanTheSession(Vertx vertx) throws Exception {
    publish(vertx, "up", instance("h1-aaa", 8080));
    Await.until("one registration", () -> registrations().size() == 1);
    String before = registrations().get(0);
    server.stop();
    Thread.sleep(5000); // longer than the 4 s session: the server expires it once back
    server.restart();
    Await.until("re-created under a new session", () -> registrations().size() == 1 && !registrations().contains(before));
    afterTwoReconciles(vertx, instance("h1-aaa", 8080));
    assertEquals(1, registrations().size(), "exactly one: " + registrations());
  }

  @Test
  void survivesTheWholeTreeBeingDeletedAndNeverResurrectsIt(Vertx vertx) throws Exception {
    publish(vertx, "up", instance("h1-aaa", 8080));
    Await.until("one registration", () -> registrations().size() == 1);
    zk.delete().deletingChildrenIfNeeded().forPath("/env/dev");
    // a reconcile tries to re-create it: it reports the definition gone (or, wrongly, re-creates it)
    Await.until("a reconcile's attempt", () -> zk.checkExists().forPath("/env/dev") != null
      || status(vertx).getJsonArray("problems").stream()
        .anyMatch(p -> ((JsonObject) p).getString("reason", "").contains("/env/dev/sd/web is gone")));
    assertNull(zk.checkExists().forPath("/env/dev"), "a registration must not re-create a deleted definition");
    zk.create().creatingParentsIfNeeded().forPath("/env/dev/sd/web", "{\"nerve\":{}}".getBytes());
    Await.until("re-registered once the definition is back", () -> registrations().size() == 1);
    publish(vertx, "down", instance("h1-aaa", 8080));
    Await.until("deregistered", () -> registrations().isEmpty());
  }

  @Test
  void removesWhatAnEarlierProcessOfThisHostLeftBehind(Vertx vertx) throws Exception {
    vertx.undeploy(deployment).await(20, TimeUnit.SECONDS);
    try (CuratorFramework earlier = ZooKeeperClients.start(conf.getJsonObject("zookeeper"))) {
      earlier.create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL_SEQUENTIAL)
        .forPath("/env/dev/sd/web/sd/h1-old_");
      earlier.create().withMode(CreateMode.EPHEMERAL_SEQUENTIAL).forPath("/env/dev/sd/web/sd/h2-other_");
      earlier.create().withMode(CreateMode.EPHEMERAL_SEQUENTIAL).forPath("/env/dev/sd/web/sd/h1-aaa_");
      deploy(vertx); // this host's registrar starts again while the earlier session lives on
      publish(vertx, "up", instance("h1-aaa", 8080));
      Await.until("the ghosts of h1 are gone", () -> registrations().stream().filter(c -> c.startsWith("h1-")).count() == 1
        && registrations().stream().noneMatch(c -> c.startsWith("h1-old_")));
      afterTwoReconciles(vertx, instance("h1-aaa", 8080));
      List<String> left = registrations();
      assertEquals(2, left.size(), left.toString());
      assertTrue(left.stream().anyMatch(c -> c.startsWith("h2-other_")), "another host's registration stays");
      assertEquals(1, left.stream().filter(c -> c.startsWith("h1-aaa_")).count());
      // the registration that replaced the ghost in one transaction is held under its real path
      String held = snapshot(vertx).getJsonArray("registrations").getJsonObject(0).getString("path");
      assertEquals("/env/dev/sd/web/sd/" + left.stream().filter(c -> c.startsWith("h1-aaa_")).findFirst().orElseThrow(), held);
    }
  }
}
