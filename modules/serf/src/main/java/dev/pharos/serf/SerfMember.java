package dev.pharos.serf;

import java.util.Map;

/** A member of the serf cluster as the agent's {@code members} command lists it. */
public record SerfMember(String name, String addr, int port, Map<String, String> tags, String status) {

  public io.vertx.core.json.JsonObject toJson() {
    io.vertx.core.json.JsonObject tagsJson = new io.vertx.core.json.JsonObject();
    new java.util.TreeMap<>(tags).forEach(tagsJson::put);
    return new io.vertx.core.json.JsonObject().put("name", name).put("addr", addr).put("port", port).put("status", status)
      .put("tags", tagsJson);
  }
}
