package dev.pharos.model;

import io.vertx.core.json.JsonObject;

/**
 * An instance put in maintenance (drained): deregistered from every store while its container
 * keeps running, and registered again when taken out. Kept in ZooKeeper at
 * {@code /pharos/maintenance/<instance id>} as {@code {"since","reason"}}, so every registrar
 * sees it and it outlives restarts.
 */
public record Maintenance(String instanceId, long since, String reason) {

  public static final String ROOT = "/pharos/maintenance";

  public static String path(String instanceId) {
    String problem = Names.problem(instanceId);
    if (problem != null) {
      throw new IllegalArgumentException("instance id " + problem);
    }
    return ROOT + "/" + instanceId;
  }

  public JsonObject toJson() {
    return new JsonObject().put("instanceId", instanceId).put("since", since).put("reason", reason);
  }

  /** The znode's content; an unreadable one still means "in maintenance". */
  public static Maintenance fromZnode(String instanceId, byte[] data) {
    try {
      JsonObject json = new JsonObject(io.vertx.core.buffer.Buffer.buffer(data));
      return new Maintenance(instanceId, json.getLong("since", 0L), json.getString("reason", ""));
    } catch (RuntimeException e) {
      return new Maintenance(instanceId, 0L, "");
    }
  }

  public byte[] toZnode() {
    return new JsonObject().put("since", since).put("reason", reason).toBuffer().getBytes();
  }
}
