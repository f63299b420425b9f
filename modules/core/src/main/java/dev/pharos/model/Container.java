package dev.pharos.model;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A running container as the docker watcher saw it.
 *
 * @param networkMode Docker's network mode: {@code host} ({@code --net=host}, where the
 *                    {@code sd-port} label names the port), {@code container:<id>} (joined to
 *                    another container's namespace, as ambassador consumers are), or a network
 * @param hostname    the container's own hostname (its short id unless set)
 * @param env         the container's environment, in Docker's order
 * @param mounts      the container's mounts: destination inside it to source on the host
 *                    (a serf child is a container with one at {@code /serfnode})
 * @param health      Docker's health status ({@code starting}, {@code healthy}, {@code unhealthy}),
 *                    or null when the container has no HEALTHCHECK
 * @param pid         the process id of the container's init on the host (0 when unknown), whose
 *                    {@code /proc/<pid>/ns/net} is the container's network namespace
 * @param addresses   the container's IPv4 address on each Docker network it is attached to, by
 *                    network name (empty on {@code host} and {@code container:} modes)
 */
public record Container(String id, String name, String image, Map<String, String> labels,
                        List<PortBinding> ports, String networkMode, String hostname, Map<String, String> env,
                        Map<String, String> mounts, String health, int pid, Map<String, String> addresses) {

  /** A container whose process and network addresses nobody asked about. */
  public Container(String id, String name, String image, Map<String, String> labels,
                   List<PortBinding> ports, String networkMode, String hostname, Map<String, String> env,
                   Map<String, String> mounts, String health) {
    this(id, name, image, labels, ports, networkMode, hostname, env, mounts, health, 0, Map.of());
  }

  /** A container without a HEALTHCHECK. */
  public Container(String id, String name, String image, Map<String, String> labels,
                   List<PortBinding> ports, String networkMode, String hostname, Map<String, String> env,
                   Map<String, String> mounts) {
    this(id, name, image, labels, ports, networkMode, hostname, env, mounts, null);
  }

  /** A container whose mounts nobody asked about. */
  public Container(String id, String name, String image, Map<String, String> labels,
                   List<PortBinding> ports, String networkMode, String hostname, Map<String, String> env) {
    this(id, name, image, labels, ports, networkMode, hostname, env, Map.of());
  }

  public static final String LABEL_NAME = "sd-name";
  public static final String LABEL_ENV = "sd-env";
  public static final String LABEL_PORT = "sd-port";
  /** Comma-separated tags for the etcd service document, besides the env which is always one. */
  public static final String LABEL_TAGS = "sd-tags";
  /**
   * The Docker network whose address of the container is registered, with the container port,
   * instead of {@code HOST_IP} and the published port (conf {@code docker.network} by default).
   */
  public static final String LABEL_NETWORK = "sd-network";

  /** A container known only by its labels and ports (tests, benchmarks). */
  public static Container of(String id, String name, String image, Map<String, String> labels,
                             List<PortBinding> ports, boolean hostNetwork) {
    return new Container(id, name, image, labels, ports, hostNetwork ? "host" : "default",
      id.length() > 12 ? id.substring(0, 12) : id, Map.of());
  }

  /** The same container after Docker reported a new health status. */
  public Container withHealth(String status) {
    return new Container(id, name, image, labels, ports, networkMode, hostname, env, mounts, status, pid, addresses);
  }

  public String shortId() {
    return id.length() > 12 ? id.substring(0, 12) : id;
  }

  public boolean isLabelled() {
    return labels.containsKey(LABEL_NAME) || labels.containsKey(LABEL_ENV);
  }

  public boolean hostNetwork() {
    return "host".equals(networkMode);
  }

  /** The container whose network namespace this one joined ({@code --net=container:x}), or null. */
  public String joinedContainer() {
    return networkMode != null && networkMode.startsWith("container:") ? networkMode.substring("container:".length()) : null;
  }

  /** Parses Docker's {@code KEY=VALUE} list; a bare {@code KEY} has an empty value. */
  public static Map<String, String> parseEnv(String[] env) {
    Map<String, String> parsed = new LinkedHashMap<>();
    if (env != null) {
      for (String entry : env) {
        int eq = entry.indexOf('=');
        parsed.put(eq < 0 ? entry : entry.substring(0, eq), eq < 0 ? "" : entry.substring(eq + 1));
      }
    }
    return parsed;
  }

  public JsonObject toJson() {
    JsonArray portsJson = new JsonArray();
    ports.forEach(p -> portsJson.add(p.toJson()));
    return new JsonObject().put("id", id).put("name", name).put("image", image).put("labels", stringMap(labels))
      .put("ports", portsJson).put("networkMode", networkMode).put("hostname", hostname).put("env", stringMap(env))
      .put("mounts", stringMap(mounts)).put("health", health).put("pid", pid).put("addresses", stringMap(addresses));
  }

  private static JsonObject stringMap(Map<String, String> map) {
    JsonObject json = new JsonObject();
    map.forEach(json::put);
    return json;
  }

  private static Map<String, String> stringMap(JsonObject json) {
    Map<String, String> map = new LinkedHashMap<>();
    if (json != null) {
      json.forEach(e -> map.put(e.getKey(), String.valueOf(e.getValue())));
    }
    return java.util.Collections.unmodifiableMap(map);
  }

  public static Container fromJson(JsonObject json) {
    List<PortBinding> ports = json.getJsonArray("ports", new JsonArray()).stream()
      .map(o -> PortBinding.fromJson((JsonObject) o)).toList();
    return new Container(json.getString("id"), json.getString("name"), json.getString("image"),
      stringMap(json.getJsonObject("labels")), ports, json.getString("networkMode", "default"),
      json.getString("hostname"), stringMap(json.getJsonObject("env")), stringMap(json.getJsonObject("mounts")),
      json.getString("health"), json.getInteger("pid", 0), stringMap(json.getJsonObject("addresses")));
  }
}
