package dev.pharos.harness;

import dev.pharos.launcher.Pharos;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.pharos.harness.Harness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Docker ambassador seed's flow on the embedded default's one store, ZooKeeper, with no
 * etcd: Pharos registers a labelled container as a Nerve znode, and the ambassador proxies a
 * consumer's {@code BACKEND_WEB} to it (Synapse's job); a Nesoi {@code /srv} host put with
 * curl is reached through a descriptor too. ZooKeeper is reached through a {@link FaultProxy}
 * so it can go away under the node.
 */
class ZooKeeperAmbassadorIT extends EndToEndTest {

  private static final String DEFINITION =
    "{\"nerve\": {\"check_interval\": 0.2, \"checks\": [{\"type\": \"http\", \"uri\": \"/index.html\", \"timeout\": 0.5}]}}";
  private static final Map<String, String> WEB = Map.of("sd-env", "dev", "sd-name", "web");

  private FaultProxy zookeeper;

  @AfterEach
  void closeProxy() throws Exception {
    harness.close(); // the node goes before its way to ZooKeeper does
    if (zookeeper != null) {
      zookeeper.close();
    }
  }

  private Pharos start(String ambassador) throws Exception {
    zookeeper = FaultProxy.start(Harness.required("PHAROS_TEST_ZK"));
    return harness.start(harness.conf("zamb-" + harness.runId(), new JsonObject()
      .put("zookeeper", new JsonObject().put("connect", zookeeper.address() + harness.chroot()).put("sessionTimeoutMs", 30_000))
      .put("ambassador", new JsonObject().put("containers", new JsonArray().add(ambassador)))));
  }

  private static JsonArray endpoints(String api) throws Exception {
    JsonArray descriptors = Http.getJson(api + "/v1/descriptors").getJsonArray("descriptors");
    return descriptors.isEmpty() ? new JsonArray() : descriptors.getJsonObject(0).getJsonArray("endpoints");
  }

  private static boolean storeProblem(String api) throws Exception {
    return Http.getJson(api + "/v1/health").encode().contains("store zookeeper");
  }

  @Test
  void aConsumerReachesDockerInstancesRegisteredInZooKeeperAndKeepsThemThroughAnOutage() throws Exception {
    harness.define("dev", "web", DEFINITION);
    String ambassador = harness.runOnHostNetwork(Map.of(), List.of("sleep", "3600"));
    String api = Harness.api(start(ambassador));
    String first = harness.runHttpd(WEB);
    int firstPort = harness.hostPort(first, 80);

    int listen = Harness.freePort();
    String consumer = harness.runJoined(ambassador, Map.of("BACKEND_WEB", "web;" + listen + "/tcp"), List.of("sleep", "3600"));
    String url = "http://127.0.0.1:" + listen + "/index.html";
    await("a fetch through the listener inside the consumer", Duration.ofSeconds(30),
      () -> harness.execOutput(consumer, "wget", "-qO-", url).contains("Hello, world"));
    assertEquals("zookeeper", endpoints(api).getJsonObject(0).getString("store"), "the endpoint came from the Nerve znode");

    String second = harness.runHttpd(WEB);
    int secondPort = harness.hostPort(second, 80);
    await("the second instance joins the listener", () -> endpoints(api).encode().contains("127.0.0.1:" + secondPort));
    harness.remove(first);
    await("the first instance leaves the listener", () -> !endpoints(api).encode().contains("127.0.0.1:" + firstPort));
    assertTrue(harness.execOutput(consumer, "wget", "-qO-", url).contains("Hello, world"), "fetched from the second instance");

    zookeeper.down();
    await("/v1/health says ZooKeeper is unreachable", () -> storeProblem(api));
    for (int i = 0; i < 3; i++) {
      assertTrue(harness.execOutput(consumer, "wget", "-qO-", url).contains("Hello, world"),
        "the listener serves its last known endpoint while ZooKeeper is away");
    }
    assertEquals(1, endpoints(api).size());
    zookeeper.up();
    await("the health entry clears once ZooKeeper is back", Duration.ofSeconds(30), () -> !storeProblem(api));
  }

  /**
   * The definition watcher and the consumer catalog both follow {@code /env} on the node's one
   * ZooKeeper session: a new env's definition (a change the definition watcher re-watches
   * {@code /env} for) must not cost the catalog its watch. On ZooKeeper servers before 3.9 a
   * plain watch and a persistent recursive one on one path of one session replace each other.
   */
  @Test
  void aNewEnvsRegistrationsReachTheListenerAfterItsDefinition() throws Exception {
    String ambassador = harness.runOnHostNetwork(Map.of(), List.of("sleep", "3600"));
    int listen = Harness.freePort();
    zookeeper = FaultProxy.start(Harness.required("PHAROS_TEST_ZK"));
    String api = Harness.api(harness.start(harness.conf("zenv-" + harness.runId(), new JsonObject()
      .put("zookeeper", new JsonObject().put("connect", zookeeper.address() + harness.chroot()))
      .put("ambassador", new JsonObject().put("containers", new JsonArray().add(ambassador))
        .put("descriptors", new JsonArray().add("BACKEND_QA=/env/qa/sd/web;" + listen))))));
    await("the node's stages running", Duration.ofSeconds(30), () -> Http.getJson(api + "/v1/health").getString("status", "").equals("UP"));
    String backend = harness.runHttpd(Map.of());
    int port = harness.hostPort(backend, 80);
    harness.define("qa", "web", DEFINITION);
    await("the definition watcher has the new env's definition", () -> Http.getJson(api + "/v1/definitions").encode().contains("/env/qa/sd/web"));
    harness.zk().create().creatingParentContainersIfNeeded().withMode(org.apache.zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL)
      .forPath("/env/qa/sd/web/sd/qa-1_", ("{\"host\":\"127.0.0.1\",\"port\":" + port + ",\"name\":\"qa-1\"}").getBytes());
    await("the registration in the listener", () -> endpoints(api).encode().contains("127.0.0.1:" + port));
  }

  @Test
  void aNesoiHostPutWithCurlIsReachedThroughADescriptor() throws Exception {
    String ambassador = harness.runOnHostNetwork(Map.of(), List.of("sleep", "3600"));
    String api = Harness.api(start(ambassador));
    String backend = harness.runHttpd(Map.of());
    int port = harness.hostPort(backend, 80);
    Process curl = new ProcessBuilder("curl", "-s", "-X", "PUT", "-d",
      "{\"name\":\"h1\", \"endpoints\":{\"http\":\"http://127.0.0.1:" + port + "/\"}}", api + "/srv/api/h1")
      .redirectErrorStream(true).start();
    assertTrue(curl.waitFor(20, TimeUnit.SECONDS));
    assertEquals(0, curl.exitValue(), new String(curl.getInputStream().readAllBytes()));

    int listen = Harness.freePort();
    String consumer = harness.runJoined(ambassador, Map.of("BACKEND_API", "api[http];" + listen), List.of("sleep", "3600"));
    await("a fetch through the listener reaches the Nesoi host", Duration.ofSeconds(30),
      () -> harness.execOutput(consumer, "wget", "-qO-", "http://127.0.0.1:" + listen + "/index.html").contains("Hello, world"));
    assertEquals("nesoi", endpoints(api).getJsonObject(0).getString("store"));
  }
}
