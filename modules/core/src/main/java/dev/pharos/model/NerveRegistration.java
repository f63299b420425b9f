package dev.pharos.model;

import io.vertx.core.json.JsonObject;

/**
 * The znode data Airbnb Nerve's ZooKeeper reporter writes, field for field and in its order:
 * {@code {"host","port","name"}} then {@code weight}, {@code haproxy_server_options},
 * {@code labels} when the definition has them. Synapse-style readers depend on it.
 */
public final class NerveRegistration {

  private NerveRegistration() {
  }

  public static JsonObject data(String host, int port, String instanceId, Definition definition) {
    JsonObject data = new JsonObject().put("host", host).put("port", port).put("name", instanceId);
    if (definition.weight() != null) {
      data.put("weight", definition.weight());
    }
    if (definition.haproxyServerOptions() != null) {
      data.put("haproxy_server_options", definition.haproxyServerOptions());
    }
    if (definition.labels() != null) {
      data.put("labels", definition.labels());
    }
    return data;
  }

  /** Nerve names each registration {@code <instance_id>_}; ZooKeeper appends the sequence. */
  public static String nodePrefix(String instanceId) {
    return instanceId + "_";
  }
}
