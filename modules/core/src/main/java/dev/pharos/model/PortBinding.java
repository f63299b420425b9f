package dev.pharos.model;

import io.vertx.core.json.JsonObject;

/** A container port and the host port Docker bound it to ({@code hostPort} null when not published). */
public record PortBinding(int containerPort, Integer hostPort, String proto) {

  public JsonObject toJson() {
    return new JsonObject().put("containerPort", containerPort).put("hostPort", hostPort).put("proto", proto);
  }

  public static PortBinding fromJson(JsonObject json) {
    return new PortBinding(json.getInteger("containerPort"), json.getInteger("hostPort"), json.getString("proto"));
  }
}
