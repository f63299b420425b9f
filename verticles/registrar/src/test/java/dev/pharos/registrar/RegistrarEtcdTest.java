package dev.pharos.registrar;

import dev.pharos.testing.EventLoopGuard;
import dev.pharos.bus.Addresses;
import dev.pharos.etcd.EtcdClients;
import dev.pharos.etcd.EtcdServer;
import dev.pharos.model.Container;
import dev.pharos.model.Host;
import dev.pharos.model.Instance;
import dev.pharos.model.ServiceDocument;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.LeaseOption;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import dev.pharos.testing.Await;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The registrar's etcd documents and their lease, against a real etcd server. */
@ExtendWith(EventLoopGuard.class)
class RegistrarEtcdTest {

  private static final String KEY = "/services/dev/web/80/8080/c-h1-aaa";

  private TestingServer zookeeper;
  private EtcdServer etcd;
  private Client client;
  private String deployment;

  private JsonObject conf;

  @BeforeEach
  void deployRegistrar(@TempDir Path dir, Vertx vertx) throws Exception {
    zookeeper = new TestingServer(true);
    etcd = EtcdServer.start(dir.resolve("etcd"));
    JsonObject etcdConf = new JsonObject().put("endpoints", new JsonArray().add(etcd.endpoint())).put("leaseTtlSeconds", 3);
    client = EtcdClients.create(vertx, etcdConf);
    conf = new JsonObject().put("instanceId", "h1").put("hostIp", "127.0.0.1")
      .put("zookeeper", new JsonObject().put("connect", zookeeper.getConnectString()))
      .put("etcd", etcdConf).put("registrar", new JsonObject().put("reconcileIntervalMs", 500));
    deployment = vertx.deployVerticle(new RegistrarVerticle(), new DeploymentOptions().setConfig(conf)).await(20, TimeUnit.SECONDS);
  }

  @AfterEach
  void stopServers(Vertx vertx) throws Exception {
    if (vertx.deploymentIDs().contains(deployment)) {
      vertx.undeploy(deployment).await(20, TimeUnit.SECONDS);
    }
    client.close();
    etcd.close();
    zookeeper.close();
  }

  private static Instance instance(String id, int port) {
    Container container = Container.of("c-" + id, "web-" + id, "img", Map.of(Container.LABEL_TAGS, "blue"), List.of(), false);
    return new Instance(id, "dev", "web", "h1", container.id(), "127.0.0.1", port,
      new JsonObject().put("host", "127.0.0.1").put("port", port).put("name", id),
      ServiceDocument.of(new Host("h1", "127.0.0.1"), container, "dev", "web", 80, port, "tcp"));
  }

  private static void publish(Vertx vertx, String type, Instance instance) {
    vertx.eventBus().publish(Addresses.INSTANCES, new JsonObject().put("type", type).put("instance", instance.toJson()));
  }

  private List<KeyValue> stored() throws Exception {
    return client.getKVClient().get(EtcdClients.bytes(KEY)).get(10, TimeUnit.SECONDS).getKvs();
  }


  @Test
  void writesTheDocumentUnderAKeptAliveLeaseAndRemovesIt(Vertx vertx) throws Exception {
    publish(vertx, "up", instance("h1-aaa", 8080));
    Await.until("the document", () -> stored().size() == 1);
    KeyValue kv = stored().get(0);
    JsonObject doc = new JsonObject(kv.getValue().toString());
    assertEquals("8080", doc.getString("host_port"));
    assertEquals("127.0.0.1", doc.getString("ipaddress"));
    assertEquals(List.of("dev", "blue"), doc.getJsonArray("tags").getList());
    assertTrue(kv.getLease() != 0, "bound to a lease");
    // the list of services is told how many of the ambassador's documents are this registrar's instances'
    JsonObject summary = vertx.eventBus().<JsonObject>request(dev.pharos.bus.Addresses.REGISTRATIONS_SNAPSHOT,
      new JsonObject().put("summary", true)).await(10, TimeUnit.SECONDS).body().getJsonObject("summary");
    assertEquals(1, summary.getJsonObject("web").getJsonObject("dev").getInteger("documents"), summary.encode());
    Thread.sleep(4000); // longer than the 3 s TTL: only the keep-alive keeps it
    assertEquals(1, stored().size());
    publish(vertx, "down", instance("h1-aaa", 8080));
    Await.until("no document", () -> stored().isEmpty());
  }

  @Test
  void maintenanceDrainsTheDocumentToo(Vertx vertx) throws Exception {
    publish(vertx, "up", instance("h1-aaa", 8080));
    Await.until("the document", () -> stored().size() == 1);
    vertx.eventBus().request(Addresses.MAINTENANCE, new JsonObject().put("id", "h1-aaa").put("maintenance", true))
      .await(10, java.util.concurrent.TimeUnit.SECONDS);
    Await.until("drained from etcd", () -> stored().isEmpty());
    vertx.eventBus().request(Addresses.MAINTENANCE, new JsonObject().put("id", "h1-aaa").put("maintenance", false))
      .await(10, java.util.concurrent.TimeUnit.SECONDS);
    Await.until("written again", () -> stored().size() == 1);
  }

  @Test
  void aLostLeaseIsReplacedAndTheDocumentWrittenAgain(Vertx vertx) throws Exception {
    publish(vertx, "up", instance("h1-aaa", 8080));
    Await.until("the document", () -> stored().size() == 1);
    long lease = stored().get(0).getLease();
    client.getLeaseClient().revoke(lease).get(10, TimeUnit.SECONDS); // as if etcd had expired it
    Await.until("the document under a new lease", () -> stored().size() == 1 && stored().get(0).getLease() != lease);
    long ttl = client.getLeaseClient().timeToLive(stored().get(0).getLease(), LeaseOption.DEFAULT).get(10, TimeUnit.SECONDS).getTTL();
    assertTrue(ttl > 0, "the new lease is alive: " + ttl);
  }

  @Test
  void anEtcdRestartLosesNothingAndAStopRevokesTheLease(Vertx vertx) throws Exception {
    publish(vertx, "up", instance("h1-aaa", 8080));
    Await.until("the document", () -> stored().size() == 1);
    etcd.stop();
    publish(vertx, "up", instance("h1-bbb", 8081));
    Thread.sleep(1500);
    etcd.start();
    Await.until("both documents", () -> stored().size() == 1 && client.getKVClient()
      .get(EtcdClients.bytes("/services/dev/web/80/8081/c-h1-bbb")).get(10, TimeUnit.SECONDS).getKvs().size() == 1);
    long lease = stored().get(0).getLease();
    assertNotEquals(0, lease);
    vertx.undeploy(deployment).await(20, TimeUnit.SECONDS);
    assertTrue(stored().isEmpty(), "revoking the lease removed the documents at once");
  }

  @Test
  void anOutageAtStartGrantsOneLeaseWhenEtcdComesBack(Vertx vertx) throws Exception {
    vertx.undeploy(deployment).await(20, TimeUnit.SECONDS);
    etcd.stop();
    deployment = vertx.deployVerticle(new RegistrarVerticle(), new DeploymentOptions().setConfig(conf)).await(20, TimeUnit.SECONDS);
    publish(vertx, "up", instance("h1-aaa", 8080));
    Thread.sleep(3500); // several keep-alive ticks (every second with a 3 s TTL) while no lease can be granted
    etcd.start();
    Await.until("the document", () -> stored().size() == 1);
    // a later write on the same ordered chain: every grant queued during the outage has run before it
    publish(vertx, "up", instance("h1-bbb", 8081));
    Await.until("the later document", () -> client.getKVClient()
      .get(EtcdClients.bytes("/services/dev/web/80/8081/c-h1-bbb")).get(10, TimeUnit.SECONDS).getKvs().size() == 1);
    // jetcd has no lease listing: etcdctl, as an operator would look
    Process list = new ProcessBuilder("etcdctl", "--endpoints", etcd.endpoint(), "lease", "list")
      .redirectErrorStream(true).start();
    String out = new String(list.getInputStream().readAllBytes());
    assertTrue(list.waitFor(10, TimeUnit.SECONDS) && list.exitValue() == 0, out);
    assertTrue(out.startsWith("found 1 leases"), "one lease, not one per keep-alive tick of the outage: " + out);
  }
}
