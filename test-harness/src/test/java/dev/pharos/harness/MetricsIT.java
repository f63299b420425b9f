package dev.pharos.harness;

import dev.pharos.launcher.Pharos;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.pharos.harness.Harness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code GET /metrics}: Prometheus text with Vert.x's series and Pharos's own, moving with a registration. */
class MetricsIT extends EndToEndTest {

  /** The value of the first sample of {@code series} whose labels contain each of {@code labels}, or 0. */
  static double sample(String scrape, String series, String... labels) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + "\\{([^}]*)\\} (\\S+)$").matcher(scrape);
    while (m.find()) {
      String found = m.group(1);
      boolean all = true;
      for (String label : labels) {
        all &= found.contains(label);
      }
      if (all) {
        return Double.parseDouble(m.group(2));
      }
    }
    return 0;
  }

  @Test
  void seriesMoveAfterARegistration() throws Exception {
    harness.define("dev", "web", "{\"nerve\": {\"check_interval\": 0.2, \"checks\": [{\"type\": \"tcp\", \"timeout\": 0.5}]}}");
    Pharos node = harness.start(harness.conf("metrics-" + harness.runId(), new JsonObject()));
    String api = Harness.api(node);
    var before = Http.send("GET", api + "/metrics", null);
    assertEquals(200, before.statusCode());
    assertTrue(before.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"), "Prometheus text format");
    assertEquals(0, sample(before.body(), "pharos_registrations", "service=\"web\""));
    var stream = Http.events(api + "/v1/changes", null);

    harness.runHttpd(Map.of("sd-env", "dev", "sd-name", "web"));
    await("the registration counted", () -> sample(Http.send("GET", api + "/metrics", null).body(), "pharos_registrations",
      "service=\"web\"", "store=\"zookeeper\"") == 1);
    String after = Http.send("GET", api + "/metrics", null).body();
    assertTrue(sample(after, "pharos_docker_events_total", "action=\"start\"") >= 1, "Docker events received");
    assertTrue(sample(after, "pharos_checks_seconds_count", "type=\"tcp\"", "result=\"passed\"") >= 1, "checks by type and result");
    assertTrue(sample(after, "pharos_checks_seconds_sum", "type=\"tcp\"") > 0, "check durations");
    assertTrue(sample(after, "pharos_store_operations_seconds_count", "store=\"zookeeper\"", "op=\"create\"", "outcome=\"ok\"") >= 1,
      "store operations and their latency");
    assertEquals(1, sample(after, "pharos_sse_clients"), "the stream this test follows");
    assertTrue(sample(after, "vertx_eventbus_published_total", "address=\"pharos.instances\"") >= 1, "bus messages per address");
    assertTrue(after.contains("jvm_memory_used_bytes"), "the JVM's own");
    assertTrue(stream.poll(10, java.util.concurrent.TimeUnit.SECONDS) != null, "the followed stream carried the registration");

    // a JDK client left at its default asks for h2c; the api answers in HTTP/1.1 (its upgrade stalled on large answers)
    var jdk = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(api + "/metrics"))
      .timeout(java.time.Duration.ofSeconds(10)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    assertEquals(java.net.http.HttpClient.Version.HTTP_1_1, jdk.version());
    assertTrue(jdk.body().contains("pharos_registrations"));
  }
}
