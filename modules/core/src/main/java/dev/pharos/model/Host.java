package dev.pharos.model;

import io.vertx.core.json.JsonObject;

/**
 * The Docker host a container runs on.
 *
 * @param id the host's instance id (conf {@code instanceId}, the hostname by default)
 * @param ip {@code HOST_IP}: the address registered and checked
 */
public record Host(String id, String ip) {

  public JsonObject toJson() {
    return new JsonObject().put("id", id).put("ip", ip);
  }

  public static Host fromJson(JsonObject json) {
    return new Host(json.getString("id"), json.getString("ip"));
  }
}
