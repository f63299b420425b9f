package dev.pharos.ambassador;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A consumer's request for a service, in the Docker ambassador's grammar:
 * {@code NAME=<service>[tag,tag];<port>/<proto>}, where the service may be written as its etcd
 * key ({@code /services/prod/redis.master}), the tags are optional, and so is {@code /proto}
 * (tcp). {@code port} is where the consumer connects on its localhost.
 *
 * @param name    the variable's name, e.g. {@code BACKEND_REDIS_SERVICE}
 * @param env     the env of the etcd key form, or null for the service in any env
 * @param tags    tags every endpoint must carry
 */
public record ServiceDescriptor(String name, String service, String env, List<String> tags, int port, String proto) {

  /** The environment variables that carry descriptors start with this. */
  public static final String PREFIX = "BACKEND_";

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

  /** The descriptor as written, normalised: {@code service[tags];port/proto}. */
  public String spec() {
    String svc = env == null ? service : "/services/" + env + "/" + service;
    return svc + (tags.isEmpty() ? "" : "[" + String.join(",", tags) + "]") + ";" + port + "/" + proto;
  }

  /** True when both ask for the same endpoints on the same port, whoever asks. */
  public boolean sameRequestAs(ServiceDescriptor other) {
    return spec().equals(other.spec());
  }

  public JsonObject toJson() {
    return new JsonObject().put("name", name).put("service", service).put("env", env)
      .put("tags", new JsonArray(tags)).put("port", port).put("proto", proto).put("spec", spec());
  }

  /** Parses {@code NAME=value} or, with {@code name} given apart, the value. */
  public static ServiceDescriptor parse(String line) {
    int eq = line.indexOf('=');
    if (eq <= 0) {
      throw new IllegalArgumentException("'" + line + "' is not NAME=<service>[tags];<port>/<proto>");
    }
    return parse(line.substring(0, eq), line.substring(eq + 1));
  }

  /**
   * @throws IllegalArgumentException saying what is wrong with {@code value}
   */
  public static ServiceDescriptor parse(String name, String value) {
    String v = value.trim();
    int semi = v.lastIndexOf(';');
    if (semi < 0) {
      throw new IllegalArgumentException("'" + value + "' has no ';<port>'");
    }
    String service = v.substring(0, semi).trim();
    String portProto = v.substring(semi + 1).trim();

    List<String> tags = new ArrayList<>();
    int open = service.indexOf('[');
    int close = service.indexOf(']');
    if (open >= 0 || close >= 0) {
      if (open < 0 || close < open || close != service.length() - 1
        || service.indexOf('[', open + 1) >= 0 || service.indexOf(']', close + 1) >= 0) {
        throw new IllegalArgumentException("'" + value + "' has unbalanced or misplaced brackets");
      }
      for (String tag : service.substring(open + 1, close).split(",", -1)) {
        if (tag.isBlank()) {
          throw new IllegalArgumentException("'" + value + "' has an empty tag");
        }
        tags.add(tag.trim());
      }
      service = service.substring(0, open).trim();
    }

    String env = null;
    if (service.startsWith("/")) {
      String[] parts = service.split("/", -1);
      // "", "services", env, name (etcd) or "", "env", env, "sd", name (ZooKeeper)
      boolean etcdKey = parts.length == 4 && parts[1].equals("services");
      boolean zooKeeperPath = parts.length == 5 && parts[1].equals("env") && parts[3].equals("sd");
      if (!(etcdKey || zooKeeperPath) || parts[2].isEmpty()) {
        throw new IllegalArgumentException("'" + value + "': a store path must be /services/<env>/<service> or /env/<env>/sd/<service>");
      }
      env = parts[2];
      service = parts[parts.length - 1];
      if (!NAME.matcher(env).matches()) {
        throw new IllegalArgumentException("'" + value + "': env '" + env + "' is not a valid name");
      }
    }
    if (service.isEmpty()) {
      throw new IllegalArgumentException("'" + value + "' names no service");
    }
    if (!NAME.matcher(service).matches()) {
      throw new IllegalArgumentException("'" + value + "': service '" + service + "' is not a valid name");
    }

    String proto = "tcp";
    String portText = portProto;
    int slash = portProto.indexOf('/');
    if (slash >= 0) {
      portText = portProto.substring(0, slash).trim();
      proto = portProto.substring(slash + 1).trim().toLowerCase(java.util.Locale.ROOT);
      if (!proto.equals("tcp") && !proto.equals("udp")) {
        throw new IllegalArgumentException("'" + value + "': proto '" + portProto.substring(slash + 1) + "' is not tcp or udp");
      }
    }
    if (portText.isEmpty()) {
      throw new IllegalArgumentException("'" + value + "' has no port");
    }
    int port;
    try {
      port = Integer.parseInt(portText);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + value + "': port '" + portText + "' is not a number");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("'" + value + "': port " + port + " is out of range");
    }
    return new ServiceDescriptor(name, service, env, List.copyOf(tags), port, proto);
  }
}
