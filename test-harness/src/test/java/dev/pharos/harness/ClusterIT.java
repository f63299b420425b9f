package dev.pharos.harness;

import dev.pharos.launcher.Pharos;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static dev.pharos.harness.Harness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two Pharos processes' worth of nodes clustered over ZooKeeper with the Vert.x ZooKeeper
 * cluster manager: the docker watcher, registrar and api on one, the definition watcher and
 * health checker on the other. Facts cross the clustered event bus both ways.
 */
class ClusterIT extends EndToEndTest {


  private JsonObject node(String name, JsonObject verticles) {
    return harness.conf("cluster-" + harness.runId(), new JsonObject()
      .put("node", name)
      .put("cluster", new JsonObject().put("enabled", true).put("host", "127.0.0.1").put("port", 0)
        .put("rootPath", "pharos-cluster"))
      .put("verticles", verticles));
  }

  @Test
  void stagesOnTwoNodesRegisterAndDeregister() throws Exception {
    Pharos a = harness.start(node("node-a", new JsonObject()
      .put("docker-watcher", new JsonObject()).put("registrar", new JsonObject()).put("api", new JsonObject())));
    Pharos b = harness.start(node("node-b", new JsonObject()
      .put("definition-watcher", new JsonObject()).put("health-checker", new JsonObject())));
    String api = Harness.api(a);

    await("every stage answers through node a", () -> "UP".equals(Http.getJson(api + "/v1/health").getString("status")));
    JsonObject stages = Http.getJson(api + "/v1/health").getJsonObject("stages");
    assertEquals("node-b", stages.getJsonObject("health-checker").getString("node"));
    assertEquals("node-a", stages.getJsonObject("registrar").getString("node"));

    harness.define("dev", "clustered", """
      {"nerve": {"check_interval": 0.2, "checks": [{"type": "http", "uri": "/index.html", "timeout": 0.5}]}}""");
    String id = harness.runHttpd(Map.of("sd-env", "dev", "sd-name", "clustered"));
    await("registered across the cluster", () -> harness.registrations("dev", "clustered").size() == 1);
    assertEquals(harness.hostPort(id, 80),
      harness.registrations("dev", "clustered").values().iterator().next().getInteger("port"));

    harness.docker().stopContainerCmd(id).withTimeout(1).exec();
    await("deregistered across the cluster", () -> harness.registrations("dev", "clustered").isEmpty());
    // close the nodes (their cluster sessions) while ZooKeeper is still up
    harness.stop(b);
    harness.stop(a);
  }

  @Test
  void healthShowsEveryInstanceOfAStageAcrossNodes() throws Exception {
    Pharos a = harness.start(node("node-a", new JsonObject()
      .put("health-checker", new JsonObject()).put("api", new JsonObject())));
    Pharos b = harness.start(node("node-b", new JsonObject()
      .put("health-checker", new JsonObject().put("instances", 2))));
    String api = Harness.api(a);
    await("three health checkers on two nodes", () -> Http.getJson(api + "/v1/health").getJsonObject("stages")
      .getJsonObject("health-checker").getJsonArray("instances").size() == 3);
    JsonObject checkers = Http.getJson(api + "/v1/health").getJsonObject("stages").getJsonObject("health-checker");
    assertEquals(java.util.Set.of("node-a", "node-b"), java.util.Set.of(checkers.getString("node").split(",")));
    assertTrue(Http.getJson(api + "/v1/health").getJsonArray("absent").contains("registrar"),
      "a stage that runs nowhere is reported");
    harness.stop(b);
    await("the stopped node's instances forgotten", () -> Http.getJson(api + "/v1/health").getJsonObject("stages")
      .getJsonObject("health-checker").getJsonArray("instances").size() == 1);
    harness.stop(a);
  }

  @Test
  void aContainerThatVanishesWhileTheHealthCheckerMovesIsDeregistered() throws Exception {
    Pharos a = harness.start(node("node-a", new JsonObject()
      .put("docker-watcher", new JsonObject()).put("registrar", new JsonObject()).put("api", new JsonObject())
      .put("definition-watcher", new JsonObject())));
    JsonObject checkerNode = node("node-b", new JsonObject().put("health-checker", new JsonObject()));
    Pharos b = harness.start(checkerNode);
    harness.define("dev", "moving", """
      {"nerve": {"check_interval": 0.2, "checks": [{"type": "tcp", "timeout": 0.5}]}}""");
    String stays = harness.runHttpd(Map.of("sd-env", "dev", "sd-name", "moving"));
    String vanishes = harness.runHttpd(Map.of("sd-env", "dev", "sd-name", "moving"));
    await("both registered", () -> harness.registrations("dev", "moving").size() == 2);

    harness.stop(b); // the health checker leaves...
    harness.remove(vanishes); // ...a container goes while no checker watches...
    Pharos moved = harness.start(node("node-c", new JsonObject().put("health-checker", new JsonObject())));
    // ...and the checker that starts elsewhere never saw it, so it never reports it down
    await("the vanished one deregistered by the registrar's reconcile", () -> {
      var left = harness.registrations("dev", "moving");
      return left.size() == 1 && left.keySet().iterator().next().contains(Harness.shortId(stays));
    });
    harness.stop(moved);
    harness.stop(a);
  }
}
