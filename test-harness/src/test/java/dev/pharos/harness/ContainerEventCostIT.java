package dev.pharos.harness;

import dev.pharos.launcher.Pharos;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static dev.pharos.harness.Harness.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A container's start or removal costs the health checker that container, not its host's
 * others: one resolve (container and definition into an instance) for the start, none for the
 * removal, however many labelled containers the host runs.
 */
class ContainerEventCostIT extends EndToEndTest {

  private static long resolves(String api) throws Exception {
    return Http.getJson(api + "/v1/health").getJsonObject("stages").getJsonObject("health-checker").getJsonArray("instances")
      .getJsonObject(0).getJsonObject("details").getLong("resolves", 0L);
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
}
