package dev.pharos.harness;

import dev.pharos.launcher.Pharos;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import static dev.pharos.harness.Harness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Nervesync job end to end: real dockerd, real ZooKeeper, Pharos in-process. */
class NervesyncIT extends EndToEndTest {

  private static final String SEED_DEFINITION = """
    {"nerve": {"reporter_type": "zookeeper", "check_interval": 0.2,
      "checks": [{"type": "http", "uri": "/index.html", "timeout": 0.5, "rise": 3, "fall": 2}]},
     "weight": "ignored outside the nerve partial"}""";

  private Pharos node;
  private String api;

  @BeforeEach
  void startNode() throws Exception {
    node = harness.start(harness.conf("it-" + harness.runId(), new JsonObject()));
    api = Harness.api(node);
  }

  private Map<String, String> labels(String env, String app) {
    return Map.of("sd-env", env, "sd-name", app);
  }

  private String instanceId(String containerId) {
    return "it-" + harness.runId() + "-" + Harness.shortId(containerId);
  }

  @Test
  void seedScenarioRegistersAndDeregistersInNervesFormat() throws Exception {
    harness.define("dev", "test-app", SEED_DEFINITION);
    BlockingQueue<Http.Event> changes = Http.events(api + "/v1/changes", null);
    String id = harness.runHttpd(labels("dev", "test-app"));
    int port = harness.hostPort(id, 80);

    await("the container's znode", () -> harness.registrations("dev", "test-app").size() == 1);
    var registrations = harness.registrations("dev", "test-app");
    String child = registrations.keySet().iterator().next();
    assertTrue(child.matches(instanceId(id) + "_\\d{10}"), child);
    assertEquals("{\"host\":\"127.0.0.1\",\"port\":" + port + ",\"name\":\"" + instanceId(id) + "\"}",
      registrations.get(child).encode(), "exactly Nerve's data");

    JsonArray listed = Http.getJson(api + "/v1/instances").getJsonArray("registrations");
    assertEquals(1, listed.size());
    assertEquals("/env/dev/sd/test-app/sd/" + child, listed.getJsonObject(0).getString("path"));

    Http.Event registered = changes.poll(10, TimeUnit.SECONDS);
    assertNotNull(registered, "a registration change on /v1/changes");
    assertEquals("registered", registered.event());
    assertNotNull(registered.id());

    harness.docker().stopContainerCmd(id).withTimeout(1).exec();
    await("the znode gone after the container stopped", () -> harness.registrations("dev", "test-app").isEmpty());
    Http.Event deregistered = changes.poll(10, TimeUnit.SECONDS);
    assertNotNull(deregistered);
    assertEquals("deregistered", deregistered.event());
    assertTrue(Long.parseLong(deregistered.id()) > Long.parseLong(registered.id()));

    BlockingQueue<Http.Event> resumed = Http.events(api + "/v1/changes", registered.id());
    Http.Event replayed = resumed.poll(10, TimeUnit.SECONDS);
    assertNotNull(replayed, "Last-Event-ID replays what came after it");
    assertEquals(deregistered.id(), replayed.id());
  }

  @Test
  void aFixedHostPortIsRegisteredAsDockerBoundIt() throws Exception {
    harness.define("dev", "fixed", SEED_DEFINITION);
    int port = Harness.freePort();
    String id = harness.createHttpd(labels("dev", "fixed"), port); // like docker run -p 127.0.0.1:PORT:80
    harness.docker().startContainerCmd(id).exec();
    await("registered", () -> harness.registrations("dev", "fixed").size() == 1);
    assertEquals(port, harness.registrations("dev", "fixed").values().iterator().next().getInteger("port"));
    harness.docker().restartContainerCmd(id).withTimeout(0).exec();
    await("registered again after a restart", () -> harness.registrations("dev", "fixed").size() == 1
      && !Http.getJson(api + "/v1/instances").getJsonArray("registrations").isEmpty());
  }

  @Test
  void aChangedDefinitionUpdatesTheRegistrationInPlace() throws Exception {
    harness.define("dev", "reweighed", "{\"nerve\": {\"check_interval\": 0.2, \"checks\": [{\"type\": \"tcp\"}], \"weight\": 1}}");
    harness.runHttpd(labels("dev", "reweighed"));
    await("registered", () -> harness.registrations("dev", "reweighed").size() == 1);
    String znode = harness.registrations("dev", "reweighed").keySet().iterator().next();
    harness.define("dev", "reweighed", "{\"nerve\": {\"check_interval\": 0.2, \"checks\": [{\"type\": \"tcp\"}], \"weight\": 5}}");
    await("the new weight registered", () -> Integer.valueOf(5).equals(
      harness.registrations("dev", "reweighed").getOrDefault(znode, new JsonObject()).getInteger("weight")));
    assertEquals(1, harness.registrations("dev", "reweighed").size(), "the same znode, no flap");
  }

  @Test
  void optionalFieldsOfTheDefinitionReachTheRegistration() throws Exception {
    harness.define("dev", "weighted", """
      {"nerve": {"check_interval": 0.2, "checks": [{"type": "tcp", "timeout": 0.5}],
        "weight": 7, "haproxy_server_options": "backup", "labels": {"zone": "a"}}}""");
    String id = harness.runHttpd(labels("dev", "weighted"));
    await("registration", () -> harness.registrations("dev", "weighted").size() == 1);
    JsonObject data = harness.registrations("dev", "weighted").values().iterator().next();
    assertEquals("{\"host\":\"127.0.0.1\",\"port\":" + harness.hostPort(id, 80) + ",\"name\":\"" + instanceId(id)
      + "\",\"weight\":7,\"haproxy_server_options\":\"backup\",\"labels\":{\"zone\":\"a\"}}", data.encode());
  }

  @Test
  void failingChecksDeregisterAfterFallAndReregisterAfterRise() throws Exception {
    harness.define("dev", "flaky", """
      {"nerve": {"check_interval": 0.2,
        "checks": [{"type": "http", "uri": "/health", "timeout": 0.5, "rise": 3, "fall": 2}]}}""");
    BlockingQueue<Http.Event> changes = Http.events(api + "/v1/changes", null);
    String id = harness.runHttpd(labels("dev", "flaky"));
    await("registered", () -> harness.registrations("dev", "flaky").size() == 1);
    assertEquals("registered", changes.poll(10, TimeUnit.SECONDS).event());

    harness.exec(id, "rm", "/www/health");
    await("deregistered after the checks fail", () -> harness.registrations("dev", "flaky").isEmpty());
    Http.Event down = changes.poll(10, TimeUnit.SECONDS);
    assertEquals("deregistered", down.event());
    JsonObject check = Http.getJson(api + "/v1/instances").getJsonArray("checks").getJsonObject(0);
    assertEquals(false, check.getBoolean("up"));
    assertEquals("http 404", check.getJsonArray("checks").getJsonObject(0).getJsonObject("last").getString("detail"));

    harness.exec(id, "sh", "-c", "echo ok > /www/health");
    await("registered again after rise passes", () -> harness.registrations("dev", "flaky").size() == 1);
    assertEquals("registered", changes.poll(10, TimeUnit.SECONDS).event());
    long rounds = Http.getJson(api + "/v1/instances").getJsonArray("checks").getJsonObject(0).getLong("rounds");
    assertTrue(rounds >= 2 + 3, "fall 2 then rise 3 need at least five rounds, saw " + rounds);
  }

  @Test
  void deletingTheWholeTreeWhileRegisteredCrashesNothing() throws Exception {
    harness.define("dev", "doomed", SEED_DEFINITION);
    harness.runHttpd(labels("dev", "doomed"));
    await("registered", () -> harness.registrations("dev", "doomed").size() == 1);

    harness.zk().delete().deletingChildrenIfNeeded().forPath("/env/dev");
    await("every stage still running", () -> "UP".equals(Http.getJson(api + "/v1/health").getString("status")));
    await("the registration is forgotten", () ->
      Http.getJson(api + "/v1/instances").getJsonArray("registrations").isEmpty());
    assertTrue(harness.zk().checkExists().forPath("/env/dev") == null, "nothing re-created the deleted tree");

    harness.define("dev", "doomed", SEED_DEFINITION);
    await("registered again once the definition is back", () -> harness.registrations("dev", "doomed").size() == 1);
  }

  @Test
  void aHostNetworkContainerRegistersItsSdPortOnHostIp() throws Exception {
    harness.define("dev", "hostnet", SEED_DEFINITION);
    int port = Harness.freePort();
    Map<String, String> labels = new java.util.HashMap<>(labels("dev", "hostnet"));
    labels.put("sd-port", Integer.toString(port));
    String id = harness.runOnHostNetwork(labels, List.of("httpd", "-f", "-p", "127.0.0.1:" + port, "-h", "/www"));
    await("registered", () -> harness.registrations("dev", "hostnet").size() == 1);
    assertEquals("{\"host\":\"127.0.0.1\",\"port\":" + port + ",\"name\":\"" + instanceId(id) + "\"}",
      harness.registrations("dev", "hostnet").values().iterator().next().encode());
  }

  @Test
  void severalPortsNeedTheSdPortLabel() throws Exception {
    harness.define("dev", "multi", "{\"nerve\": {\"check_interval\": 0.2, \"checks\": [{\"type\": \"tcp\"}]}}");
    List<String> httpd2 = List.of("sh", "-c", "httpd -p 80 -h /www; httpd -f -p 81 -h /www");
    String ambiguous = harness.run(labels("dev", "multi"), httpd2, 80, 81);
    await("the ambiguity reported", () -> Http.getJson(api + "/v1/health").encode()
      .contains("ambiguous: several published ports [80, 81]"));
    assertTrue(harness.registrations("dev", "multi").isEmpty(), "an ambiguous container is not guessed");

    Map<String, String> withPort = new java.util.HashMap<>(labels("dev", "multi"));
    withPort.put("sd-port", "81");
    String chosen = harness.run(withPort, httpd2, 80, 81);
    await("the sd-port registered", () -> harness.registrations("dev", "multi").size() == 1);
    assertEquals(harness.hostPort(chosen, 81),
      harness.registrations("dev", "multi").values().iterator().next().getInteger("port"));
    harness.remove(ambiguous);
  }
}
