package dev.pharos.harness;

import dev.pharos.bus.Addresses;
import dev.pharos.launcher.Pharos;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import static dev.pharos.harness.Harness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code sd-network} label and the {@code docker.network} default end to end: containers that
 * publish no port, on user-defined bridge networks of the real dockerd, registered at their own
 * address there (the host reaches a bridge network's container addresses, so the checks and the
 * test's own traffic go straight to them).
 */
class SdNetworkIT extends EndToEndTest {

  private static final String DEFINITION = """
    {"nerve": {"check_interval": 0.2, "checks": [{"type": "http", "uri": "/index.html", "timeout": 0.5, "rise": 2, "fall": 1}]}}""";
  private static final List<String> HTTPD_8080 = List.of("httpd", "-f", "-p", "8080", "-h", "/www");

  private Pharos node;

  private String start(JsonObject overrides) throws Exception {
    node = harness.start(harness.conf("it-" + harness.runId(), overrides));
    return Harness.api(node);
  }

  /** Set once the docker watcher publishes {@code id} as up with an address on {@code network}. */
  private java.util.concurrent.atomic.AtomicBoolean upOn(String id, String network) {
    var seen = new java.util.concurrent.atomic.AtomicBoolean();
    node.vertx().eventBus().<JsonObject>consumer(Addresses.CONTAINERS, m -> {
      JsonObject container = m.body().getJsonObject("container");
      // network null: any "up" of it, for ordering (an unlabelled container's may be its
      // create-time view, with no network address yet, depending on when dockerd answered)
      if ("up".equals(m.body().getString("type")) && id.equals(container.getString("id"))
        && (network == null || container.getJsonObject("addresses").containsKey(network))) {
        seen.set(true);
      }
    });
    return seen;
  }

  private long rounds(String api) throws Exception {
    return Http.getJson(api + "/v1/instances").getJsonArray("checks").getJsonObject(0).getLong("rounds");
  }

  private String instanceId(String containerId) {
    return "it-" + harness.runId() + "-" + Harness.shortId(containerId);
  }

  /** The container's IPv4 on {@code network}, as {@code docker inspect} gives it. */
  private String address(String id, String network) {
    return harness.docker().inspectContainerCmd(id).exec().getNetworkSettings().getNetworks().get(network).getIpAddress();
  }

  private JsonObject onlyRegistration(String app) throws Exception {
    var registrations = harness.registrations("dev", app);
    assertEquals(1, registrations.size(), registrations.toString());
    return registrations.values().iterator().next();
  }

  @Test
  void aContainerPublishingNothingIsRegisteredCheckedAndReachedAtItsNetworkAddress() throws Exception {
    String api = start(new JsonObject());
    String net = harness.createNetwork("app");
    harness.define("dev", "overlaid", DEFINITION);
    try (RegistrationWatcher synapse = new RegistrationWatcher(harness.zk(), "dev", "overlaid")) {
      // --expose 8080, nothing published: the one exposed port is the container port registered
      String id = harness.createOnNetwork(net, Map.of("sd-env", "dev", "sd-name", "overlaid", "sd-network", net), HTTPD_8080, 8080);
      // docker create, then docker start once the watcher has looked the created container up
      // (its lookups run in order: a later container published means this one's is done), so the
      // start meets a create-time view, which holds no network address yet
      String later = harness.createOnNetwork(net, Map.of(), List.of("sleep", "600"));
      var laterUp = upOn(later, null);
      harness.docker().startContainerCmd(later).exec();
      await("a later container published", laterUp::get);
      harness.docker().startContainerCmd(id).exec();
      String ip = address(id, net);
      await("registered once its check passed", () -> synapse.instances().equals(java.util.Set.of(instanceId(id))));
      assertEquals("{\"host\":\"" + ip + "\",\"port\":8080,\"name\":\"" + instanceId(id) + "\"}",
        onlyRegistration("overlaid").encode(), "Nerve's data with the container's own address and port");

      JsonObject watch = Http.getJson(api + "/v1/instances").getJsonArray("checks").getJsonObject(0);
      assertEquals(ip + ":8080", watch.getJsonObject("instance").getString("host") + ":" + watch.getJsonObject("instance").getInteger("port"),
        "the check went to the container's address");
      assertTrue(watch.getJsonArray("checks").getJsonObject(0).getJsonObject("last").getBoolean("passed"), watch.encode());
      assertEquals(ip + ":8080", Http.getJson(api + "/srv/overlaid").getJsonObject(instanceId(id))
        .getJsonObject("endpoints").getString("tcp"), "Nesoi's /srv view");

      HttpResponse<String> reached = Http.send("GET", "http://" + ip + ":8080/index.html", null);
      assertEquals(200, reached.statusCode());
      assertEquals("Hello, world", reached.body().trim(), "the host reaches the registered address");

      // joining another network: the watcher follows it, and nothing registered changes (the same
      // znode, no deregistration over the next check rounds)
      String other = harness.createNetwork("other");
      String znode = harness.registrations("dev", "overlaid").keySet().iterator().next();
      var followed = upOn(id, other);
      harness.docker().connectToNetworkCmd().withNetworkId(other).withContainerId(id).exec();
      await("the docker watcher published the container on its new network", followed::get);
      long rounds = rounds(api);
      await("three more check rounds", () -> rounds(api) >= rounds + 3);
      assertEquals(List.of(), synapse.deregistrations());
      assertEquals(java.util.Set.of(znode), harness.registrations("dev", "overlaid").keySet());
    }
  }

  @Test
  void theConfDefaultFollowsTheContainerOntoAndOffTheNetwork() throws Exception {
    String front = harness.createNetwork("front");
    String back = harness.createNetwork("back");
    String api = start(new JsonObject().put("docker", new JsonObject().put("network", back)));
    harness.define("dev", "mover", DEFINITION);
    // nothing exposed: sd-port names the container port
    String id = harness.runOnNetwork(front, Map.of("sd-env", "dev", "sd-name", "mover", "sd-port", "8080"), HTTPD_8080);
    String missing = "has no address on docker network '" + back + "' named by conf docker.network";
    await("the missing network reported on /v1/health", () -> Http.getJson(api + "/v1/health").encode().contains(missing));
    assertTrue(harness.registrations("dev", "mover").isEmpty(), "never HOST_IP or the front network's address instead");

    harness.docker().connectToNetworkCmd().withNetworkId(back).withContainerId(id).exec();
    String ip = address(id, back);
    await("registered at its address on the network it joined", () -> harness.registrations("dev", "mover").values().stream()
      .anyMatch(data -> ip.equals(data.getString("host")) && Integer.valueOf(8080).equals(data.getInteger("port"))));
    await("the problem cleared", () -> !Http.getJson(api + "/v1/health").encode().contains(missing));

    harness.docker().disconnectFromNetworkCmd().withNetworkId(back).withContainerId(id).exec();
    await("deregistered when it left the network", () -> harness.registrations("dev", "mover").isEmpty());
    await("reported again", () -> Http.getJson(api + "/v1/health").encode().contains(missing));
  }
}
