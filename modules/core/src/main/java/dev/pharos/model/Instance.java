package dev.pharos.model;

import io.vertx.core.json.JsonObject;

/**
 * One container of one service on one host: what the health checker checks and the registrar
 * registers.
 *
 * @param id   Nerve's {@code instance_id}: the host's instance id and the container's short id,
 *             unique per container and stable across restarts of Pharos
 * @param data exactly the JSON Nerve writes into the registration znode
 * @param document the ambassador's service document for etcd ({@link ServiceDocument})
 */
public record Instance(String id, String env, String app, String hostId, String containerId,
                       String host, int port, JsonObject data, JsonObject document) {

  /** Where the registrar keeps {@link #document} in etcd. */
  public String documentPath() {
    return document.getString("path");
  }

  public String registrationsPath() {
    return Definition.registrationsPath(env, app);
  }

  public JsonObject toJson() {
    return new JsonObject().put("id", id).put("env", env).put("app", app).put("hostId", hostId)
      .put("containerId", containerId).put("host", host).put("port", port).put("data", data)
      .put("document", document);
  }

  public static Instance fromJson(JsonObject json) {
    return new Instance(json.getString("id"), json.getString("env"), json.getString("app"),
      json.getString("hostId"), json.getString("containerId"), json.getString("host"),
      json.getInteger("port"), json.getJsonObject("data"), json.getJsonObject("document"));
  }
}
