package dev.pharos.ownership;

import io.vertx.core.json.JsonObject;

/**
 * One live instance of a stage that divides instances (health checker, registrar), as it
 * announces itself in ZooKeeper under {@code /pharos/members/<stage>/<id>}.
 *
 * @param id       the stage instance's id (its status id): unique in the cluster
 * @param node     the node it runs on (the conf's {@code node}, or the instance id)
 * @param affinity the Docker host whose instances it owns first (its node runs that host's
 *                 docker watcher), or null when it has none
 * @param session  the ZooKeeper session of its process, which holds its registrations
 */
public record Member(String id, String node, String affinity, long session) {

  public JsonObject toJson() {
    return new JsonObject().put("id", id).put("node", node).put("affinity", affinity).put("session", session);
  }

  public static Member fromJson(JsonObject json) {
    return new Member(json.getString("id"), json.getString("node"), json.getString("affinity"),
      json.getValue("session") instanceof Number n ? n.longValue() : 0L);
  }
}
