package dev.pharos.harness;

import dev.pharos.launcher.Pharos;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static dev.pharos.harness.Harness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad input is reported on /v1/health, naming the path, container or field, and nothing else stops. */
class BadInputIT extends EndToEndTest {

  private static final String GOOD = "{\"nerve\": {\"check_interval\": 0.2, \"checks\": [{\"type\": \"tcp\"}]}}";


  /** The problems every stage reports, as "subject: reason" lines. */
  private static String problems(String api) throws Exception {
    StringBuilder all = new StringBuilder();
    JsonObject stages = Http.getJson(api + "/v1/health").getJsonObject("stages");
    for (String stage : stages.fieldNames()) {
      for (Object p : stages.getJsonObject(stage).getJsonArray("problems", new JsonArray())) {
        JsonObject problem = (JsonObject) p;
        all.append(problem.getString("subject")).append(": ").append(problem.getString("reason")).append('\n');
      }
    }
    return all.toString();
  }

  @Test
  void malformedDefinitionsAndLabelsAreReportedAndTheRestWorks() throws Exception {
    Pharos node = harness.start(harness.conf("bad-" + harness.runId(), new JsonObject()));
    String api = Harness.api(node);
    harness.define("dev", "not-json", "{nerve: oops");
    harness.define("dev", "no-nerve", "{\"synapse\": {}}");
    harness.define("dev", "bad-check", "{\"nerve\": {\"checks\": [{\"type\": \"ping\"}]}}");
    harness.define("dev", "negative-weight", "{\"nerve\": {\"weight\": -2}}");
    harness.define("dev", "float-weight", "{\"nerve\": {\"weight\": 2.5}}");
    harness.define("dev", "good", GOOD);
    harness.runHttpd(Map.of("sd-env", "dev", "sd-name", "good"));
    String orphan = harness.runHttpd(Map.of("sd-env", "dev", "sd-name", "undefined-app"));
    String illegal = harness.runHttpd(Map.of("sd-env", "de v", "sd-name", "good"));

    await("the good one registered", () -> harness.registrations("dev", "good").size() == 1);
    await("every problem reported", () -> {
      String p = problems(api);
      return p.contains("/env/dev/sd/not-json: malformed definition: (document): not JSON")
        && p.contains("/env/dev/sd/no-nerve: malformed definition: nerve: missing")
        && p.contains("/env/dev/sd/bad-check: malformed definition: nerve.checks[0].type: unknown check type 'ping'")
        && p.contains("/env/dev/sd/negative-weight: malformed definition: nerve.weight: must be a non-negative integer")
        && p.contains("/env/dev/sd/float-weight: malformed definition: nerve.weight")
        && p.contains(Harness.shortId(orphan) + " on bad-" + harness.runId() + "): no definition at /env/dev/sd/undefined-app")
        && p.contains(Harness.shortId(illegal) + " on bad-" + harness.runId() + "): label sd-env 'de v' contains a control or space character");
    });
    assertEquals("running", Http.getJson(api + "/v1/health").getJsonObject("stages")
      .getJsonObject("registrar").getString("state"));

    // a definition that turns malformed keeps the last good one: the registration stays
    harness.define("dev", "good", "{\"nerve\": {\"checks\": \"broken\"}}");
    await("the regression reported", () -> problems(api).contains("/env/dev/sd/good: malformed definition: nerve.checks: not a JSON array (keeping the previous version)"));
    // a later definition under the same parent, down the same path (watcher, checker, registrar):
    // once the orphan registers, a retraction of "good" would have been applied before it
    harness.define("dev", "undefined-app", GOOD);
    await("the later definition's container registered", () -> harness.registrations("dev", "undefined-app").size() == 1);
    assertEquals(1, harness.registrations("dev", "good").size(), "the last good definition keeps the registration");

    // fixing the definition clears the problem
    harness.define("dev", "good", GOOD);
    await("the problem cleared", () -> !problems(api).contains("/env/dev/sd/good:"));
  }

  @Test
  void anUnreachableDockerSocketIsReportedAndTheOtherStagesRun() throws Exception {
    Pharos node = harness.start(harness.conf("nodocker-" + harness.runId(), new JsonObject()
      .put("docker", new JsonObject().put("host", "unix:///tmp/pharos-no-such-docker.sock"))));
    String api = Harness.api(node);
    harness.define("dev", "fine", GOOD);
    await("the socket reported", () -> problems(api).contains("docker unix:///tmp/pharos-no-such-docker.sock: unreachable"));
    JsonObject stages = Http.getJson(api + "/v1/health").getJsonObject("stages");
    assertEquals("degraded", stages.getJsonObject("docker-watcher").getString("state"));
    for (String stage : new String[]{"definition-watcher", "health-checker", "registrar", "api"}) {
      assertEquals("running", stages.getJsonObject(stage).getString("state"), stage);
    }
    assertTrue(stages.getJsonObject("definition-watcher").getJsonObject("details").getInteger("definitions", 0) >= 1);
  }
}
