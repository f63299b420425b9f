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

  public static Host host(JsonObject conf) {
    return new Host(conf.getString("instanceId"), conf.getString("hostIp"));
  }

  /**
   * The Docker host whose instances this node's checkers and registrars own first: its own,
   * when the node runs a docker watcher; otherwise null.
   */
  public static String affinity(JsonObject conf) {
    JsonObject verticles = conf.getJsonObject("verticles", new JsonObject());
    Object watcher = verticles.getValue("docker-watcher");
    if (watcher == null) {
      return null;
    }
    int instances = watcher instanceof JsonObject j ? j.getInteger("instances", 1) : 1;
    return instances > 0 ? host(conf).id() : null;
  }

  /** The stages this node's conf turns on: named in {@code verticles} with an instance count above 0. */
  public static java.util.Set<String> stages(JsonObject conf) {
    java.util.Set<String> on = new java.util.TreeSet<>();
    JsonObject verticles = conf.getJsonObject("verticles", new JsonObject());
    for (String stage : verticles.fieldNames()) {
      Object section = verticles.getValue(stage);
      Object count = section instanceof JsonObject j ? j.getValue("instances", 1) : 1;
      if (count instanceof Number n && n.intValue() > 0) {
        on.add(stage);
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
