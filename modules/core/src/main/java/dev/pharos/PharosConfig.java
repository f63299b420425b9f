package dev.pharos;

import dev.pharos.model.Host;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Map;

/**
 * Pharos's JSON configuration: the defaults in {@code conf/default.json}, then the user's conf
 * file, then the environment variables the seed systems used ({@code HOST_IP}, {@code ZK_HOSTS},
 * {@code DOCKER_HOST}, {@code INSTANCE_ID}, {@code ETCD_ENDPOINTS} comma-separated).
 */
public final class PharosConfig {

  private PharosConfig() {
  }

  public static JsonObject defaults() {
    try (InputStream in = PharosConfig.class.getResourceAsStream("/pharos/default.json")) {
      return Buffer.buffer(in.readAllBytes()).toJsonObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Defaults, overlaid with {@code conf}, overlaid with {@code env}; the instance id filled in. */
  public static JsonObject resolve(JsonObject conf, Map<String, String> env) {
    JsonObject merged = defaults().mergeIn(conf == null ? new JsonObject() : conf, true);
    if (conf != null && conf.getValue("verticles") instanceof JsonObject verticles) {
      // a node's stages are what its conf lists, not that list merged with every default stage
      merged.put("verticles", verticles.copy());
    }
    if (env.get("HOST_IP") != null) {
      merged.put("hostIp", env.get("HOST_IP"));
    }
    if (env.get("ZK_HOSTS") != null) {
      merged.getJsonObject("zookeeper").put("connect", env.get("ZK_HOSTS"));
    }
    if (env.get("DOCKER_HOST") != null) {
      merged.getJsonObject("docker").put("host", env.get("DOCKER_HOST"));
    }
    if (env.get("ETCD_ENDPOINTS") != null) {
      JsonArray endpoints = new JsonArray();
      for (String endpoint : env.get("ETCD_ENDPOINTS").split(",")) {
        if (!endpoint.isBlank()) {
          endpoints.add(endpoint.trim());
        }
      }
      merged.getJsonObject("etcd").put("endpoints", endpoints);
    }
    if (env.get("INSTANCE_ID") != null) {
      merged.put("instanceId", env.get("INSTANCE_ID"));
    }
    if (merged.getString("instanceId") == null) {
      merged.put("instanceId", hostname());
    }
    return merged;
  }

  /**
   * This node's Docker host: its instance id, {@code hostIp} and {@code docker.network} (blank is none).
   *
   * @throws IllegalArgumentException naming the key, for a {@code docker.network} that is not a string
   */
  public static Host host(JsonObject conf) {
    JsonObject docker = conf.getJsonObject("docker");
    Object network = docker == null ? null : docker.getValue("network");
    if (network != null && !(network instanceof String)) {
      throw new IllegalArgumentException("docker.network: expected a Docker network's name or null, got " + network);
    }
    String name = (String) network;
    return new Host(conf.getString("instanceId"), conf.getString("hostIp"),
      name == null || name.isBlank() ? null : name.trim());
  }

  /**
   * The Docker host whose instances this node's checkers and registrars own first: its own,
   * when the node runs a docker watcher; otherwise null.
   */
  public static String affinity(JsonObject conf) {
    return stages(conf).contains("docker-watcher") ? host(conf).id() : null;
  }

  /**
   * How many instances of {@code stage} the conf's {@code verticles.<stage>} asks for: 1 by
   * default, 0 for none.
   *
   * @throws IllegalArgumentException naming the key, for a count that is not a whole number from 0 to 64
   */
  public static int instances(String stage, Object section) {
    String key = "verticles." + stage;
    if (section == null) {
      return 1;
    }
    if (!(section instanceof JsonObject json)) {
      throw new IllegalArgumentException(key + ": expected an object such as {\"instances\": 1}, got " + section);
    }
    Object count = json.getValue("instances", 1);
    if (!(count instanceof Integer || count instanceof Long) || ((Number) count).longValue() < 0
      || ((Number) count).longValue() > 64) {
      throw new IllegalArgumentException(key + ".instances: expected a whole number from 0 to 64, got " + count);
    }
    return ((Number) count).intValue();
  }

  /** The stages this node's conf turns on: named in {@code verticles} with a valid instance count above 0. */
  public static java.util.Set<String> stages(JsonObject conf) {
    java.util.Set<String> on = new java.util.TreeSet<>();
    JsonObject verticles = conf.getJsonObject("verticles", new JsonObject());
    for (String stage : verticles.fieldNames()) {
      try {
        if (instances(stage, verticles.getValue(stage)) > 0) {
          on.add(stage);
        }
      } catch (IllegalArgumentException invalid) {
        // the launcher refuses such a conf before any stage starts
      }
    }
    return on;
  }

  /** The name this process goes by in statuses: the instance id, or the hostname. */
  public static String node(JsonObject conf) {
    String node = conf.getString("node", conf.getString("instanceId"));
    return node != null ? node : hostname();
  }

  static String hostname() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "localhost";
    }
  }
}
