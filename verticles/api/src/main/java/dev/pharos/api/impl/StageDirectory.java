package dev.pharos.api.impl;

import dev.pharos.bus.Addresses;
import dev.pharos.stage.StageStatus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Every stage instance of the cluster, as heard on {@code pharos.status} (and from direct
 * answers), so {@code /v1/health} shows a stage running on several nodes as several instances.
 * An instance silent for three heartbeats is gone. Used on the api's context only.
 */
public final class StageDirectory {

  private static final long EXPIRY_MS = 3 * Addresses.STATUS_HEARTBEAT_MS;
  private static final List<String> WORST_LAST = List.of(StageStatus.RUNNING, StageStatus.STARTING,
    StageStatus.DEGRADED, "unreachable");

  private record Heard(JsonObject status, long at) {
  }

  private final Map<String, Heard> byId = new TreeMap<>();

  public void record(JsonObject status) {
    byId.put(status.getString("id", status.getString("stage") + "@" + status.getString("node")),
      new Heard(status, System.currentTimeMillis()));
  }

  /** The live instances of {@code stage}, forgetting those not heard from lately. */
  public List<JsonObject> instances(String stage) {
    long now = System.currentTimeMillis();
    byId.values().removeIf(h -> now - h.at() > EXPIRY_MS);
    List<JsonObject> found = new ArrayList<>();
    byId.values().forEach(h -> {
      if (stage.equals(h.status().getString("stage"))) {
        found.add(h.status());
      }
    });
    return found;
  }

  /**
   * One stage's entry in {@code /v1/health}: the worst state of its instances, their nodes,
   * every problem (with the node that has it), the details when there is one instance, and the
   * instances themselves.
   */
  public static JsonObject summary(String stage, List<JsonObject> instances) {
    String state = StageStatus.RUNNING;
    Set<String> nodes = new LinkedHashSet<>();
    JsonArray problems = new JsonArray();
    for (JsonObject instance : instances) {
      String s = instance.getString("state", "unreachable");
      if (WORST_LAST.indexOf(s) > WORST_LAST.indexOf(state)) {
        state = s;
      }
      nodes.add(instance.getString("node"));
      instance.getJsonArray("problems", new JsonArray()).forEach(p ->
        problems.add(((JsonObject) p).copy().put("node", instance.getString("node"))));
    }
    JsonObject summary = new JsonObject().put("stage", stage).put("state", state)
      .put("node", String.join(",", nodes)).put("problems", problems).put("instances", new JsonArray(instances));
    if (instances.size() == 1) {
      summary.put("details", instances.get(0).getJsonObject("details"));
    }
    return summary;
  }
}
