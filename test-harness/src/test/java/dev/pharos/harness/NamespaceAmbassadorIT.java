package dev.pharos.harness;

import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.model.HostConfig;
import dev.pharos.launcher.Pharos;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.pharos.harness.Harness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Docker ambassador seed's {@code --net=container:x} design on the real dockerd and
 * ZooKeeper: two ambassador containers on Docker's default bridge network, each with a
 * consumer joined to it asking for {@code ;6379}, each consumer reaching its own service at
 * {@code localhost:6379}. The services are busybox httpd containers that Pharos registers as
 * Nerve znodes from their labels, each serving its own name.
 */
class NamespaceAmbassadorIT extends EndToEndTest {

  private static final String DEFINITION =
    "{\"nerve\": {\"check_interval\": 0.2, \"checks\": [{\"type\": \"http\", \"uri\": \"/index.html\", \"timeout\": 0.5}]}}";

  /** A container of the test image on the default bridge network, named, running {@code sleep}: an ambassador. */
  private String runBridgeAmbassador(String name) {
    try (CreateContainerCmd create = harness.docker().createContainerCmd(Harness.image())) {
      String id = create.withName(name).withCmd("sleep", "3600").withLabels(Map.of(Harness.RUN_LABEL, harness.runId()))
        .withHostConfig(HostConfig.newHostConfig().withNetworkMode("bridge")).exec().getId();
      harness.docker().startContainerCmd(id).exec();
      return id;
    }
  }

  /** A busybox httpd registered as {@code app}, whose index page is {@code app}'s name. */
  private String runService(String app) {
    return harness.run(Map.of("sd-env", "dev", "sd-name", app),
      List.of("sh", "-c", "mkdir -p /w && echo " + app + " > /w/index.html && exec httpd -f -p 80 -h /w"), 80);
  }

  /** What the consumer gets at its localhost:6379 (busybox wget, whose -T crashes this static busybox). */
  private String fetch(String consumer) throws InterruptedException {
    return harness.execOutput(consumer, "wget", "-qO-", "http://localhost:6379/").trim();
  }

  private static List<String> namespaces(String api) throws Exception {
    return Http.getJson(api + "/v1/descriptors").getJsonArray("descriptors").stream()
      .map(o -> ((JsonObject) o).getString("namespace")).sorted().toList();
  }

  @Test
  void twoBridgeAmbassadorsEachServeTheirOwnConsumersServiceOnTheSamePort() throws Exception {
    harness.define("dev", "svc-a", DEFINITION);
    harness.define("dev", "svc-b", DEFINITION);
    String nameA = "amb-a-" + harness.runId();
    String nameB = "amb-b-" + harness.runId();
    String ambassadorA = runBridgeAmbassador(nameA);
    String ambassadorB = runBridgeAmbassador(nameB);
    Pharos node = harness.start(harness.conf("netns-" + harness.runId(), new JsonObject()
      .put("ambassador", new JsonObject().put("containers", new JsonArray().add(nameA).add(nameB)))));
    String api = Harness.api(node);
    runService("svc-a");
    runService("svc-b");
    await("both services registered", () -> harness.registrations("dev", "svc-a").size() == 1
      && harness.registrations("dev", "svc-b").size() == 1);

    String consumerA = harness.runJoined(ambassadorA, Map.of("BACKEND_REDIS", "svc-a;6379"), List.of("sleep", "3600"));
    String consumerB = harness.runJoined(ambassadorB, Map.of("BACKEND_REDIS", "svc-b;6379"), List.of("sleep", "3600"));
    await("the first consumer's localhost:6379 reaches svc-a", Duration.ofSeconds(30), () -> "svc-a".equals(fetch(consumerA)));
    await("the second consumer's localhost:6379 reaches svc-b", Duration.ofSeconds(30), () -> "svc-b".equals(fetch(consumerB)));
    assertEquals(List.of(nameA, nameB), namespaces(api), "one listener in each ambassador's namespace");
    JsonObject health = Http.getJson(api + "/v1/health");
    assertTrue(!health.encode().contains("namespace"), "no namespace problem: " + health.encodePrettily());

    // the first ambassador container goes: its namespace's listener closes, the other's goes on
    harness.remove(ambassadorA);
    await("the first ambassador's listener is gone", () -> namespaces(api).equals(List.of(nameB)));
    assertEquals("svc-b", fetch(consumerB), "the other ambassador's consumer is still served");
  }
}
