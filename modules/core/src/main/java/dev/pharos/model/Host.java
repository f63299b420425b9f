package dev.pharos.model;

import io.vertx.core.json.JsonObject;

/**
 * The Docker host a container runs on.
 *
 * @param id      the host's instance id (conf {@code instanceId}, the hostname by default)
 * @param ip      {@code HOST_IP}: the address registered and checked
 * @param network conf {@code docker.network}: the Docker network whose container addresses are
 *                registered by default, as the {@code sd-network} label asks; null for
 *                {@code HOST_IP} and the published port. It travels with the host's facts, since
 *                a checker on another node must apply this host's rule, not its own conf's.
 */
public record Host(String id, String ip, String network) {

  /** A host that registers {@code HOST_IP} and published ports unless a container's label says otherwise. */
  public Host(String id, String ip) {
    this(id, ip, null);
  }

  public JsonObject toJson() {
    return new JsonObject().put("id", id).put("ip", ip).put("network", network);
  }

  public static Host fromJson(JsonObject json) {
    return new Host(json.getString("id"), json.getString("ip"), json.getString("network"));
  }
}
