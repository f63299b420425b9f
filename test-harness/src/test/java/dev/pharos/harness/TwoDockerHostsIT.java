package dev.pharos.harness;

import dev.pharos.launcher.Pharos;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.pharos.harness.Harness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Two real Docker hosts on this machine (the main dockerd and test-harness/second-dockerd.sh),
 * one Pharos per host with the default stages, clustered: each host's instances are checked and
 * registered by its own node (host affinity); when a node stops, its host's instances move to
 * the other node, and back when it returns, with one znode per container throughout.
 */
class TwoDockerHostsIT extends EndToEndTest {

  private static final List<String> DEFAULT_STAGES =
    List.of("docker-watcher", "definition-watcher", "health-checker", "registrar", "api");

  private JsonObject node(String host, String dockerSocket) {
    JsonObject verticles = new JsonObject();
    DEFAULT_STAGES.forEach(s -> verticles.put(s, new JsonObject()));
    return harness.conf(host, new JsonObject().put("node", host)
      .put("docker", new JsonObject().put("host", dockerSocket))
      .put("cluster", new JsonObject().put("enabled", true).put("host", "127.0.0.1").put("port", 0))
      .put("verticles", verticles));
  }

  /** Instance id to the node whose checker checks it and the node whose registrar holds it, as the api shows them. */
  private static Map<String, String> owners(String api) throws Exception {
    JsonObject body = Http.getJson(api + "/v1/instances");
    Map<String, String> owners = new java.util.TreeMap<>();
    for (Object o : body.getJsonArray("checks", new JsonArray())) {
      JsonObject w = (JsonObject) o;
      owners.merge(w.getJsonObject("instance").getString("id"), "checked on " + w.getString("checker"), (a, b) -> a + ", " + b);
    }
    for (Object o : body.getJsonArray("registrations", new JsonArray())) {
      JsonObject r = (JsonObject) o;
      owners.merge(r.getJsonObject("instance").getString("id"), "registered by " + r.getString("registrar"), (a, b) -> a + ", " + b);
    }
    return owners;
  }

  @Test
  void eachHostsNodeOwnsItsInstancesAndTheOtherTakesOverWhileItIsAway() throws Exception {
    String a = "a-" + harness.runId();
    String b = "b-" + harness.runId();
    JsonObject confB = node(b, harness.hostB().socket());
    Pharos nodeA = harness.start(node(a, System.getenv().getOrDefault("PHAROS_TEST_DOCKER", "unix:///var/run/docker.sock")));
    Pharos nodeB = harness.start(confB);
    String apiA = Harness.api(nodeA);
    harness.define("dev", "hosts", """
      {"nerve": {"check_interval": 0.2, "checks": [{"type": "http", "uri": "/health", "timeout": 0.5}]}}""");
    Map<String, String> labels = Map.of("sd-env", "dev", "sd-name", "hosts");
    String onA = a + "-" + Harness.shortId(harness.runHttpd(labels));
    String onB = b + "-" + Harness.shortId(harness.hostB().runHttpd(labels, Harness.freePort()));
    Map<String, String> home = Map.of(onA, "checked on " + a + ", registered by " + a, onB, "checked on " + b + ", registered by " + b);

    try (RegistrationWatcher reader = new RegistrationWatcher(harness.zk(), "dev", "hosts")) {
      await("each host's instance checked and registered by its own node", () -> owners(apiA).equals(home));
      assertEquals(2, harness.registrations("dev", "hosts").size());

      harness.stop(nodeB);
      await("host b's instance taken over by node a", () -> owners(apiA).equals(Map.of(onA, home.get(onA),
        onB, "checked on " + a + ", registered by " + a)));

      Pharos back = harness.start(confB);
      await("and given back when node b returns", () -> owners(Harness.api(back)).equals(home));
      assertEquals(1, reader.mostPerInstance(), "a reader never saw one container twice");
      assertFalse(reader.fellToZero(), "nor saw the service empty");
      assertEquals(2, harness.registrations("dev", "hosts").size());
      harness.stop(back);
    }
    harness.stop(nodeA);
  }
}
