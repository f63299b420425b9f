package dev.pharos.harness;

import dev.pharos.bus.Addresses;
import dev.pharos.launcher.Pharos;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static dev.pharos.harness.Harness.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's event bus table against the messages a whole node's stages send while a
 * container registers, is drained, comes back and goes, and definitions and Nesoi resources
 * change: every message must fit a documented shape of its address, and every documented address
 * of the stages this node runs must be heard.
 */
class BusContractIT extends EndToEndTest {

  private static final String DEFINITION = "{\"nerve\": {\"check_interval\": 0.2, \"checks\": [{\"type\": \"tcp\"}]}}";

  /** Rows of the serf bridge, which this node does not run (it needs a serf agent). */
  private static final Set<String> NOT_RUN = Set.of("`pharos.serf.event.<name>`", "`pharos.serf.config`",
    "`pharos.serf.members`");

  @Test
  void everyMessageOnTheBusIsAsTheReadmeSays() throws Exception {
    BusContract contract = BusContract.fromReadme();
    Pharos node = harness.start(harness.conf("contract-" + harness.runId(), new JsonObject()));
    String api = Harness.api(node);
    List<BusTap.Sent> heard;
    try (BusTap tap = new BusTap(node.vertx())) {
      scenario(node.vertx().eventBus(), api, tap);
      heard = tap.sent();
    }

    Set<String> problems = new LinkedHashSet<>();
    Set<BusContract.Row> exercised = new java.util.HashSet<>();
    for (BusTap.Sent sent : heard) {
      BusContract.Row row = contract.row(sent.address());
      if (row == null) {
        problems.add(sent.address() + ": not in the README's table: " + sent.body().encode());
        continue;
      }
      exercised.add(row);
      String why = BusContract.mismatch(sent.reply() ? row.replies() : row.messages(), sent.body());
      if (why != null) {
        problems.add(sent.address() + (sent.reply() ? " reply" : "") + ": " + why + " in " + sent.body().encode());
      }
    }
    for (BusContract.Row row : contract.rows()) {
      if (!exercised.contains(row) && !NOT_RUN.contains(row.addresses())) {
        problems.add(row.addresses() + ": documented but not heard in the scenario");
      }
    }
    assertTrue(problems.isEmpty(), "the bus and the README disagree:\n" + String.join("\n", problems));
  }

  /** What a node does in a day, plus the requests other stages make only at their start. */
  private void scenario(EventBus bus, String api, BusTap tap) throws Exception {
    harness.define("dev", "web", DEFINITION);
    harness.define("dev", "broken", "{nerve: oops");
    String web = harness.runHttpd(Map.of("sd-env", "dev", "sd-name", "web"));
    String checked = harness.runHttpdWithHealthcheck(Map.of("sd-env", "dev", "sd-name", "web"));
    await("registered", () -> harness.registrations("dev", "web").keySet().stream()
      .anyMatch(c -> c.contains(Harness.shortId(web))));
    harness.exec(checked, "touch", "/tmp/healthy");
    await("Docker's verdict heard", () -> heardOn(tap, Addresses.CONTAINERS, "health"));

    String instance = "contract-" + harness.runId() + "-" + Harness.shortId(web);
    Http.send("PUT", api + "/v1/instances/" + instance + "/maintenance", "{\"reason\":\"contract\"}");
    await("drained", () -> harness.registrations("dev", "web").keySet().stream().noneMatch(c -> c.contains(Harness.shortId(web))));
    Http.send("DELETE", api + "/v1/instances/" + instance + "/maintenance", null);
    await("back", () -> harness.registrations("dev", "web").keySet().stream().anyMatch(c -> c.contains(Harness.shortId(web))));

    for (String path : List.of("/v1/health", "/v1/instances", "/v1/services", "/v1/definitions", "/v1/descriptors")) {
      Http.send("GET", api + path, null);
    }
    Http.send("PUT", api + "/app/contract", "{\"name\":\"contract\",\"config\":{}}");
    Http.send("DELETE", api + "/app/contract", null);

    // what stages ask only when they start, asked as they ask it
    JsonObject host = tap.sent().stream().filter(s -> s.address().equals(Addresses.CONTAINERS) && s.body().containsKey("host"))
      .findFirst().orElseThrow().body().getJsonObject("host");
    bus.request(Addresses.CONTAINERS_SNAPSHOT, new JsonObject()).await(10, TimeUnit.SECONDS);
    bus.request(Addresses.INSTANCES_SNAPSHOT, new JsonObject()).await(10, TimeUnit.SECONDS);
    bus.request(Addresses.containerInspect(host.getString("id")), new JsonObject().put("id", web)).await(10, TimeUnit.SECONDS);
    bus.publish(Addresses.CONTAINERS_ANNOUNCE, new JsonObject());
    await("the snapshot fact", () -> heardOn(tap, Addresses.CONTAINERS, "snapshot"));

    harness.docker().stopContainerCmd(web).withTimeout(1).exec();
    await("deregistered", () -> heardOn(tap, Addresses.CHANGES, "deregistered"));
    harness.zk().delete().forPath("/env/dev/sd/broken");
    harness.zk().delete().deletingChildrenIfNeeded().forPath("/env/dev/sd/web");
    await("the definition's delete", () -> heardOn(tap, Addresses.DEFINITIONS, "delete"));
    await("a status heartbeat", () -> tap.sent().stream().anyMatch(s -> s.address().equals(Addresses.STATUS)));
  }

  private static boolean heardOn(BusTap tap, String address, String type) {
    return tap.sent().stream().anyMatch(s -> s.address().equals(address) && type.equals(s.body().getString("type")));
  }
}
