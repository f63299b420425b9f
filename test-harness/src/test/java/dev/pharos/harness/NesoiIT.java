package dev.pharos.harness;

import dev.pharos.bus.Addresses;
import dev.pharos.launcher.Pharos;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static dev.pharos.harness.Harness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Nesoi's job end to end: two Pharos nodes sharing one ZooKeeper answer the same, web-hooks go
 * to a real HTTP receiver from exactly one node and keep going when that node dies, the Docker
 * pipeline's instances show under /srv, and a node restarted on its data directory finds all.
 */
class NesoiIT extends EndToEndTest {

  private Vertx receiverVertx;
  private final List<JsonObject> received = new CopyOnWriteArrayList<>();
  private String receiver;

  @BeforeEach
  void startReceiver() throws Exception {
    receiverVertx = Vertx.vertx();
    HttpServer server = receiverVertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      received.add(body.toJsonObject());
      req.response().end();
    })).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    receiver = "http://127.0.0.1:" + server.actualPort() + "/web-hooks";
  }

  @AfterEach
  void stopReceiver() throws Exception {
    receiverVertx.close().await(10, TimeUnit.SECONDS);
  }

  /** A node with the api and the notifier, clustered with the others over the harness's ZooKeeper. */
  private Pharos nesoiNode(String name) throws Exception {
    return harness.start(harness.conf(name + "-" + harness.runId(), new JsonObject()
      .put("verticles", new JsonObject().put("api", new JsonObject()).put("webhooks", new JsonObject()))
      .put("cluster", new JsonObject().put("enabled", true).put("host", "127.0.0.1").put("port", 0))));
  }

  private static boolean leads(Pharos node) throws Exception {
    // local only: on a clustered bus the request could reach the other node's notifier
    return node.vertx().eventBus().<JsonObject>request(Addresses.status(Addresses.WEBHOOKS), new JsonObject(),
        new io.vertx.core.eventbus.DeliveryOptions().setLocalOnly(true))
      .await(5, TimeUnit.SECONDS).body().getJsonObject("details").getBoolean("leader", false);
  }

  @Test
  void twoNodesAnswerTheSameAndOneDeliversEachChangeThroughAFailover() throws Exception {
    Pharos a = nesoiNode("a");
    Pharos b = nesoiNode("b");
    String apiA = Harness.api(a);
    String apiB = Harness.api(b);
    assertEquals(200, Http.send("PUT", apiA + "/app/dm", "{\"name\":\"dm\", \"config\":{}}").statusCode());
    await("node b reads what node a wrote", () -> Http.send("GET", apiB + "/app/dm", null).statusCode() == 200);
    // no registrar on these nodes: the dashboard's list still has the REST hosts, and says why it has no Docker ones
    Http.send("PUT", apiA + "/srv/dm/host1", "{\"name\":\"host1\", \"endpoints\":{\"http\":\"http://10.0.0.1/\"}}");
    await("the REST host in node b's service list", () -> Http.getJson(apiB + "/v1/services/dm").encode().contains("\"id\":\"host1\""));
    assertTrue(Http.getJson(apiB + "/v1/services").getJsonArray("warnings").getString(0).contains("registrar"),
      Http.getJson(apiB + "/v1/services").encode());
    // a hook on the service: each host's change has its own uri, so order and duplicates show
    var hook = Http.send("POST", apiB + "/srv/dm/web-hooks", "{\"name\":\"dm-watch\", \"endpoint\":\"" + receiver + "\"}");
    assertEquals(201, hook.statusCode(), hook.body());
    await("one node leads", () -> leads(a) != leads(b));

    assertEquals(200, Http.send("PUT", apiA + "/srv/dm/host2", "{\"name\":\"host2\", \"endpoints\":{}}").statusCode());
    await("the web-hook POST", () -> received.size() == 1);
    await("the delivery counted by the node that made it", () -> MetricsIT.sample(Http.send("GET", Harness.api(a) + "/metrics", null).body(),
      "pharos_webhook_deliveries_total", "outcome=\"delivered\"") + MetricsIT.sample(Http.send("GET", Harness.api(b) + "/metrics", null).body(),
      "pharos_webhook_deliveries_total", "outcome=\"delivered\"") == 1);
    assertEquals("dm-watch", received.get(0).getString("name"));
    assertTrue(received.get(0).getString("uri").endsWith("/srv/dm/host2"), received.get(0).encode());
    // a barrier, not a sleep: a later change on the same ordered queue comes after any second POST of host2
    assertEquals(200, Http.send("PUT", apiB + "/srv/dm/host3", "{\"name\":\"host3\", \"endpoints\":{}}").statusCode());
    await("the barrier's POST", () -> uris().stream().anyMatch(u -> u.endsWith("/srv/dm/host3")));
    assertEquals(2, received.size(), "one node delivers, each change once: " + uris());
    assertTrue(uris().get(0).endsWith("/srv/dm/host2") && uris().get(1).endsWith("/srv/dm/host3"), uris().toString());

    Pharos leader = leads(a) ? a : b;
    Pharos other = leader == a ? b : a;
    harness.stop(leader);
    assertEquals(200, Http.send("PUT", Harness.api(other) + "/srv/dm/host4", "{\"name\":\"host4\", \"endpoints\":{}}").statusCode());
    await("delivery goes on from the other node", () -> uris().stream().anyMatch(u -> u.endsWith("/srv/dm/host4")));
  }

  private List<String> uris() {
    return received.stream().map(r -> r.getString("uri")).toList();
  }

  @Test
  void dockerInstancesShowUnderSrvAndNotifyItsHooksAndTheStreamFilters() throws Exception {
    harness.define("dev", "web", "{\"nerve\": {\"check_interval\": 0.2, \"checks\": [{\"type\": \"tcp\", \"timeout\": 0.5}]}}");
    Pharos node = harness.start(harness.conf("srv-" + harness.runId(), new JsonObject()));
    String api = Harness.api(node);
    BlockingQueue<Http.Event> srvEvents = Http.events(api + "/v1/changes?prefix=/srv/web", null);
    assertEquals(201, Http.send("POST", api + "/srv/web/web-hooks", "{\"name\":\"watcher\", \"endpoint\":\"" + receiver + "\"}").statusCode());
    Http.send("PUT", api + "/app/other", "{\"name\":\"other\", \"config\":{}}");

    String container = harness.runHttpd(Map.of("sd-env", "dev", "sd-name", "web"));
    String instanceId = "srv-" + harness.runId() + "-" + Harness.shortId(container);
    await("the instance under /srv/web", () -> Http.getJson(api + "/srv/web").containsKey(instanceId));
    JsonObject shown = Http.getJson(api + "/srv/web").getJsonObject(instanceId);
    assertEquals("127.0.0.1:" + harness.hostPort(container, 80), shown.getJsonObject("endpoints").getString("tcp"));
    assertEquals("docker", shown.getString("source"));
    await("its hook is told", () -> received.stream().anyMatch(r -> r.getString("uri").endsWith("/srv/web/" + instanceId)));

    Http.Event event = srvEvents.poll(10, TimeUnit.SECONDS);
    assertNotNull(event, "the filtered stream has the registration");
    assertTrue(event.json().getString("uri").startsWith("/srv/web"), event.data());
    Http.send("PUT", api + "/srv/web/rest-host", "{\"name\":\"rest-host\", \"endpoints\":{\"http\":\"http://10.0.0.9:80/\"}}");
    await("the REST host on the stream, and never the app", () -> {
      Http.Event next = srvEvents.poll(100, TimeUnit.MILLISECONDS);
      assertTrue(next == null || next.json().getString("uri").startsWith("/srv/web"), next == null ? "" : next.data());
      return next != null && next.json().getString("uri").equals("/srv/web/rest-host");
    });
  }

  @Test
  void aJarStartedWithSeedJoinsTheSeedsStore() throws Exception {
    Pharos seed = nesoiNode("seed");
    String seedApi = Harness.api(seed);
    int port = Harness.freePort();
    Path dir = Files.createTempDirectory("pharos-seeded");
    Path conf = Files.writeString(dir.resolve("pharos.json"), new JsonObject().put("instanceId", "seeded-" + harness.runId())
      .put("verticles", new JsonObject().put("api", new JsonObject())).encode());
    Process joined = Harness.launch(conf, dir.resolve("pharos.log"), "--address", "127.0.0.1", "--port", String.valueOf(port),
      "--seed", seedApi.substring("http://".length()));
    try {
      String joinedApi = "http://127.0.0.1:" + port;
      await("the seeded node answers", java.time.Duration.ofSeconds(60),
        () -> Http.send("GET", joinedApi + "/app", null).statusCode() == 200);
      assertEquals(200, Http.send("PUT", joinedApi + "/app/seeded", "{\"name\":\"seeded\", \"config\":{}}").statusCode());
      await("the seed reads it", () -> Http.send("GET", seedApi + "/app/seeded", null).statusCode() == 200);
    } finally {
      joined.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aNodeRestartedOnItsDataDirectoryFindsEverything() throws Exception {
    Path data = Files.createTempDirectory("nesoi-data");
    JsonObject conf = harness.conf("restart-" + harness.runId(), new JsonObject()
      .put("verticles", new JsonObject().put("api", new JsonObject())));
    conf.getJsonObject("zookeeper").putNull("connect")
      .put("embedded", new JsonObject().put("host", "127.0.0.1").put("port", Harness.freePort()).put("dataDir", data.toString()));
    Pharos first = harness.start(conf.copy());
    assertEquals(200, Http.send("PUT", Harness.api(first) + "/app/kept", "{\"name\":\"kept\", \"config\":{\"a\":1}}").statusCode());
    harness.stop(first);
    Pharos second = harness.start(conf.copy());
    JsonObject app = Http.getJson(Harness.api(second) + "/app/kept");
    assertEquals(1, app.getJsonObject("config").getInteger("a"));
  }
}
