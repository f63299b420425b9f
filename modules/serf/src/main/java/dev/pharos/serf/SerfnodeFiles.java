package dev.pharos.serf;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Serfnode's file API, rendered from a members snapshot: {@code serfnodes_by_id.json} (node id to
 * node info) and {@code serfnodes_by_role.json} (role to the nodes having it, oldest first). A
 * node info is {@code {"id","role","ports","serf_ip","serf_port","service_ip","service_port","timestamp"}},
 * from the member's address and its tags ({@code role}, {@code ports} as a JSON object,
 * {@code service_ip}, {@code service_port}, {@code timestamp}). Only alive members count. The
 * container infos ({@code me.json}, {@code children_by_name.json}, {@code parent.json}) wrap
 * Docker's inspect output.
 */
public final class SerfnodeFiles {

  private SerfnodeFiles() {
  }

  public static JsonObject nodeInfo(SerfMember m) {
    JsonObject ports;
    try {
      ports = new JsonObject(m.tags().getOrDefault("ports", "{}"));
    } catch (RuntimeException e) {
      ports = new JsonObject();
    }
    return new JsonObject()
      .put("id", m.name())
      .put("role", m.tags().getOrDefault("role", ""))
      .put("ports", ports)
      .put("serf_ip", m.addr())
      .put("serf_port", String.valueOf(m.port()))
      .put("service_ip", m.tags().getOrDefault("service_ip", m.addr()))
      .put("service_port", m.tags().getOrDefault("service_port", ""))
      .put("timestamp", m.tags().getOrDefault("timestamp", ""));
  }

  private static List<SerfMember> aliveOldestFirst(List<SerfMember> members) {
    return members.stream().filter(m -> "alive".equals(m.status())).sorted(Comparator.<SerfMember>comparingDouble(m -> {
      try {
        return Double.parseDouble(m.tags().getOrDefault("timestamp", "").trim());
      } catch (NumberFormatException e) {
        return Double.MAX_VALUE;
      }
    }).thenComparing(SerfMember::name)).toList();
  }

  public static JsonObject byId(List<SerfMember> members) {
    Map<String, JsonObject> byId = new TreeMap<>();
    aliveOldestFirst(members).forEach(m -> byId.put(m.name(), nodeInfo(m)));
    JsonObject json = new JsonObject();
    byId.forEach(json::put);
    return json;
  }

  public static JsonObject byRole(List<SerfMember> members) {
    Map<String, JsonArray> byRole = new TreeMap<>();
    for (SerfMember m : aliveOldestFirst(members)) {
      String role = m.tags().get("role");
      if (role != null && !role.isBlank()) {
        byRole.computeIfAbsent(role, k -> new JsonArray()).add(nodeInfo(m));
      }
    }
    JsonObject json = new JsonObject();
    byRole.forEach(json::put);
    return json;
  }

  /**
   * A container info: {@code {"id": <node id>, "inspect": <docker inspect>}}. A child is not a
   * serf member itself, so its id is the node that manages it; a missing inspect is {@code null}.
   */
  public static JsonObject containerInfo(String nodeId, JsonObject inspect) {
    return new JsonObject().put("id", nodeId).put("inspect", inspect);
  }

  /** {@code children_by_name.json}: each child's container name to its container info, by name. */
  public static JsonObject childrenByName(String nodeId, Map<String, JsonObject> inspectByName) {
    JsonObject json = new JsonObject();
    new TreeMap<>(inspectByName).forEach((name, inspect) -> json.put(name, containerInfo(nodeId, inspect)));
    return json;
  }

  /**
   * A line a child wrote to its {@code parent} FIFO: {@code ["<event_name>", {payload}]}, as the
   * event's name and payload bytes.
   *
   * @throws IllegalArgumentException saying what is wrong with the line
   */
  public static Map.Entry<String, byte[]> fifoEvent(String line) {
    Object parsed;
    try {
      parsed = io.vertx.core.json.Json.decodeValue(line);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not JSON");
    }
    if (!(parsed instanceof JsonArray array) || array.size() != 2 || !(array.getValue(0) instanceof String name)
      || !(array.getValue(1) instanceof JsonObject payload)) {
      throw new IllegalArgumentException("not [\"<event_name>\", {payload}]");
    }
    if (name.isBlank() || !name.matches("[A-Za-z0-9._-]+")) {
      throw new IllegalArgumentException("event name '" + name.replaceAll("\\p{Cntrl}", "?") + "' is not a plain name");
    }
    byte[] bytes = payload.encode().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    if (bytes.length > ConfigUpdate.MAX_PAYLOAD) {
      throw new IllegalArgumentException("payload is " + bytes.length + " bytes, over serf's " + ConfigUpdate.MAX_PAYLOAD);
    }
    return Map.entry(name, bytes);
  }
}
