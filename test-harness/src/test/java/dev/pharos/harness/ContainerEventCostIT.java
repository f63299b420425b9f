package dev.pharos.harness;

import dev.pharos.bus.Addresses;
import dev.pharos.launcher.Pharos;
import dev.pharos.model.Container;
import dev.pharos.model.Host;
import dev.pharos.model.PortBinding;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.pharos.harness.Harness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A container's start or removal costs the health checker that container, not its host's
 * others: one resolve (container and definition into an instance) for the start, none for the
 * removal, however many labelled containers the host runs.
 */
class ContainerEventCostIT extends EndToEndTest {

  private static JsonObject checker(String api) throws Exception {
    return Http.getJson(api + "/v1/health").getJsonObject("stages").getJsonObject("health-checker").getJsonArray("instances")
      .getJsonObject(0);
  }

  private static long resolves(String api) throws Exception {
    return checker(api).getJsonObject("details").getLong("resolves", 0L);
  }

  private static long watches(String api) throws Exception {
    return checker(api).getJsonObject("details").getLong("watches", 0L);
  }

  /** The checker's problem about the container named {@code name}, or null. */
  private static String problemOf(String api, String name) throws Exception {
    for (Object p : checker(api).getJsonArray("problems", new JsonArray())) {
      JsonObject problem = (JsonObject) p;
      if (problem.getString("subject").startsWith("container " + name + " ")) {
        return problem.getString("reason");
      }
    }
    return null;
  }

  private static JsonObject container(String id, Map<String, String> labels) {
    return Container.of(id, "facts-" + id, "img", labels, List.of(new PortBinding(80, 9, "tcp")), false).toJson();
  }

  @Test
  void aContainerEventResolvesThatContainerOnly() throws Exception {
    Pharos node = harness.start(harness.conf("cost-" + harness.runId(), new JsonObject()));
    String api = Harness.api(node);
    harness.define("dev", "cost", "{\"nerve\": {\"check_interval\": 0.2, \"checks\": [{\"type\": \"tcp\", \"timeout\": 0.5}]}}");
    Map<String, String> labels = Map.of("sd-env", "dev", "sd-name", "cost");
    for (int i = 0; i < 4; i++) {
      harness.runHttpd(labels);
    }
    await("four registrations", () -> harness.registrations("dev", "cost").size() == 4);
    long before = resolves(api);

    String fifth = harness.runHttpd(labels);
    await("the fifth registered", () -> harness.registrations("dev", "cost").size() == 5);
    long started = resolves(api);
    // a start is one "up" fact, and one more should its network settings change after it (another
    // labelled container's event on the shared dockerd adds one too): a re-join of the host's
    // labelled containers would cost at least the five of this test
    assertTrue(started - before >= 1 && started - before < 5, "resolves for one start: " + (started - before));

    harness.remove(fifth);
    await("the fifth deregistered", () -> harness.registrations("dev", "cost").size() == 4);
    long removed = resolves(api) - started;
    assertTrue(removed < 4, "a removal resolves nothing, its watch stops (a host-wide re-join: the other four): " + removed);
  }
  /**
   * Facts a docker watcher publishes, sent here by the test for a host of its own: a container
   * whose labels change (as a new watcher version might read them), then lose them, then one
   * that goes. Each fact changes that container's watch or problem, and the others' stay.
   */
  @Test
  void aContainerFactChangesThatContainersWatchOrProblemOnly() throws Exception {
    JsonObject verticles = new JsonObject();
    List.of("definition-watcher", "health-checker", "registrar", "api").forEach(s -> verticles.put(s, new JsonObject()));
    Pharos node = harness.start(harness.conf("facts-" + harness.runId(), new JsonObject().put("verticles", verticles)));
    String api = Harness.api(node);
    harness.define("dev", "facts", "{\"nerve\": {\"check_interval\": 1, \"checks\": [{\"type\": \"tcp\", \"timeout\": 0.2}]}}");
    Map<String, String> facts = Map.of("sd-env", "dev", "sd-name", "facts");
    JsonObject host = new Host("synthetic-" + harness.runId(), "127.0.0.1").toJson();
    var bus = node.vertx().eventBus();
    bus.publish(Addresses.CONTAINERS, new JsonObject().put("type", "snapshot").put("host", host)
      .put("containers", new JsonArray().add(container("c1", facts)).add(container("c2", facts)).add(container("c3", facts))));
    await("three watches", () -> watches(api) == 3);
    long before = resolves(api);

    bus.publish(Addresses.CONTAINERS, new JsonObject().put("type", "up").put("host", host)
      .put("container", container("c1", Map.of("sd-env", "dev", "sd-name", "nowhere"))));
    await("c1 has no definition now, and no watch", () -> problemOf(api, "facts-c1") != null && watches(api) == 2);
    assertTrue(problemOf(api, "facts-c1").contains("no definition"), problemOf(api, "facts-c1"));

    bus.publish(Addresses.CONTAINERS, new JsonObject().put("type", "up").put("host", host)
      .put("container", container("c1", Map.of())));
    await("c1 unlabelled: its problem is gone", () -> problemOf(api, "facts-c1") == null);

    bus.publish(Addresses.CONTAINERS, new JsonObject().put("type", "down").put("host", host)
      .put("container", container("c2", facts)));
    await("c2 gone: one watch left", () -> watches(api) == 1);
    // c1's relabelling was the one resolve: neither its unlabelling nor c2's going joined the others again
    assertEquals(1, resolves(api) - before);
  }

}
