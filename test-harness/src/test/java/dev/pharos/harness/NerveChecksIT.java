package dev.pharos.harness;

import dev.pharos.launcher.Pharos;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.pharos.harness.Harness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Check types end to end: real dockerd, ZooKeeper and servers; a definition's check decides the
 * container's Nerve registration.
 */
class NerveChecksIT extends EndToEndTest {

  private Pharos node;
  private String api;

  @BeforeEach
  void startNode() throws Exception {
    node = harness.start(harness.conf("checks-" + harness.runId(), new JsonObject()));
    api = Harness.api(node);
  }

  private static Map<String, String> labels(String app) {
    return Map.of("sd-env", "dev", "sd-name", app);
  }

  /** The last result of the instance's first check, as /v1/instances shows it ("" before any). */
  private String lastDetail() throws Exception {
    JsonArray watches = Http.getJson(api + "/v1/instances").getJsonArray("checks");
    if (watches.isEmpty()) {
      return "";
    }
    JsonObject last = watches.getJsonObject(0).getJsonArray("checks").getJsonObject(0).getJsonObject("last");
    return last == null ? "" : last.getString("detail");
  }

  private String problems() throws Exception {
    StringBuilder all = new StringBuilder();
    JsonObject stages = Http.getJson(api + "/v1/health").getJsonObject("stages");
    for (String stage : stages.fieldNames()) {
      for (Object p : stages.getJsonObject(stage).getJsonArray("problems", new JsonArray())) {
        all.append(((JsonObject) p).getString("subject")).append(": ").append(((JsonObject) p).getString("reason")).append('\n');
      }
    }
    return all.toString();
  }

  @Test
  void dockersOwnHealthcheckDecidesTheRegistration() throws Exception {
    harness.define("dev", "doc-health", "{\"nerve\": {\"check_interval\": 0.2, \"checks\": [{\"type\": \"docker\"}]}}");
    String id = harness.runHttpdWithHealthcheck(labels("doc-health"));
    // a later fact on the same path: the check has run and seen Docker's verdict, still unhealthy
    await("the check sees the container unhealthy", () -> lastDetail().equals("docker: unhealthy"));
    assertTrue(harness.registrations("dev", "doc-health").isEmpty(), "not registered while unhealthy");

    harness.exec(id, "touch", "/tmp/healthy");
    await("registered once Docker says healthy", () -> harness.registrations("dev", "doc-health").size() == 1);

    harness.exec(id, "rm", "/tmp/healthy");
    await("deregistered once Docker says unhealthy", () -> harness.registrations("dev", "doc-health").isEmpty());
    assertEquals("docker: unhealthy", lastDetail());

    harness.exec(id, "touch", "/tmp/healthy");
    await("registered again", () -> harness.registrations("dev", "doc-health").size() == 1);
  }

  @Test
  void aContainerWithoutHealthcheckIsAProblemNamingIt() throws Exception {
    harness.define("dev", "no-health", "{\"nerve\": {\"check_interval\": 0.2, \"checks\": [{\"type\": \"docker\"}]}}");
    String id = harness.runHttpd(labels("no-health"));
    await("a problem names the container", () -> problems().contains(Harness.shortId(id))
      && problems().contains("has no HEALTHCHECK, so the docker check of /env/dev/sd/no-health cannot pass"));
    await("its check says why", () -> lastDetail().contains("has no HEALTHCHECK"));
    assertTrue(harness.registrations("dev", "no-health").isEmpty());
  }

  @Test
  void aRedisCheckOfItsOwnAddressDecidesTheRegistration() throws Exception {
    int port = Harness.freePort();
    Path dir = Files.createTempDirectory("pharos-redis");
    harness.define("dev", "redis-backed", "{\"nerve\": {\"check_interval\": 0.2, \"checks\": [{\"type\": \"redis\", "
      + "\"host\": \"127.0.0.1\", \"port\": " + port + ", \"timeout\": 1, \"fall\": 2}]}}");
    Process redis = startRedis(port, dir);
    try {
      harness.runHttpd(labels("redis-backed"));
      await("registered while redis answers PONG", () -> harness.registrations("dev", "redis-backed").size() == 1);

      redis.destroy();
      assertTrue(redis.waitFor(20, TimeUnit.SECONDS));
      await("deregistered after redis stopped", () -> harness.registrations("dev", "redis-backed").isEmpty());

      redis = startRedis(port, dir);
      await("registered again", () -> harness.registrations("dev", "redis-backed").size() == 1);
    } finally {
      redis.destroyForcibly();
    }
  }

  private static Process startRedis(int port, Path dir) throws Exception {
    return new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "",
      "--appendonly", "no", "--dir", dir.toString()).redirectErrorStream(true)
      .redirectOutput(dir.resolve("redis.log").toFile()).start();
  }
}
