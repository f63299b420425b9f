package dev.pharos.harness;

import dev.pharos.bus.Addresses;
import dev.pharos.launcher.Pharos;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.pharos.harness.Harness.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A health checker's "up" fact that never reaches the registrar (published before the
 * registrar's consumer reached the checker's node, or lost with a connection between nodes) does
 * not leave a healthy container unregistered: the registrar's reconcile asks every checker for
 * the up instances it owns and does not hold.
 */
class LostFactIT extends EndToEndTest {

  private static final String APP = "lostfact";
  private static final String PARENT = "/env/dev/sd/" + APP + "/sd";

  @Test
  void anUpFactLostOnTheBusIsMadeGoodByTheReconcile() throws Exception {
    String hostId = "lostfact-" + harness.runId();
    JsonObject verticles = new JsonObject();
    List.of("docker-watcher", "definition-watcher", "health-checker", "registrar").forEach(s -> verticles.put(s, new JsonObject()));
    Pharos node = harness.start(harness.conf(hostId, new JsonObject().put("verticles", verticles)
      .put("registrar", new JsonObject().put("reconcileIntervalMs", 1000))));
    // every "up" of this app is dropped on its way out of the checker: no registrar hears one
    AtomicInteger dropped = new AtomicInteger();
    node.vertx().eventBus().addOutboundInterceptor(delivery -> {
      if (Addresses.INSTANCES.equals(delivery.message().address()) && delivery.body() instanceof JsonObject fact
        && "up".equals(fact.getString("type")) && APP.equals(fact.getJsonObject("instance", new JsonObject()).getString("app"))) {
        dropped.incrementAndGet();
        return;
      }
      delivery.next();
    });
    harness.define("dev", APP, """
      {"nerve": {"check_interval": 0.2, "checks": [{"type": "tcp", "timeout": 1}]}}""");
    String container = harness.runHttpd(Map.of("sd-env", "dev", "sd-name", APP));
    String instanceId = hostId + "-" + Harness.shortId(container);

    await("registered although its up fact was lost", Duration.ofSeconds(20), () ->
      harness.zk().checkExists().forPath(PARENT) != null
        && harness.zk().getChildren().forPath(PARENT).stream().anyMatch(c -> c.startsWith(instanceId + "_")));
    assertTrue(dropped.get() >= 1, "the checker's up fact was dropped on the bus: " + dropped.get());

    // its down still arrives: the container goes, and so does its znode
    harness.remove(container);
    await("the removed container's znode gone", Duration.ofSeconds(15),
      () -> harness.zk().getChildren().forPath(PARENT).isEmpty());
    harness.stop(node);
  }
}
