package dev.pharos.model;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The Docker ambassador's service document, kept in etcd at
 * {@code /services/{env}/{name}/{port}/{host_port}/{id}}: what its discovery agents read, field
 * for field and in its order ({@code host_port} and {@code port} are strings there).
 */
public final class ServiceDocument {

  public static final String ROOT = "/services";

  private ServiceDocument() {
  }

  /** Where the document of a container's port lives; {@code id} is the container's short id. */
  public static String path(String env, String name, int port, int hostPort, String id) {
    return ROOT + "/" + env + "/" + name + "/" + port + "/" + hostPort + "/" + id;
  }

  /**
   * The document for {@code container}'s {@code port}, published on {@code hostPort} of
   * {@code host}. Its tags are the env, then the {@code sd-tags} label's.
   */
  public static JsonObject of(Host host, Container container, String env, String app, int port, int hostPort, String proto) {
    return of(host, host.ip(), container, env, app, port, hostPort, proto);
  }

  /**
   * The same, reached at {@code address}: {@code HOST_IP}, or the container's own address on a
   * Docker network (with {@code hostPort} then the container port).
   */
  public static JsonObject of(Host host, String address, Container container, String env, String app, int port,
                              int hostPort, String proto) {
    Set<String> tags = new LinkedHashSet<>();
    tags.add(env);
    String labelled = container.labels().get(Container.LABEL_TAGS);
    if (labelled != null) {
      for (String tag : labelled.split(",")) {
        if (!tag.isBlank()) {
          tags.add(tag.trim());
        }
      }
    }
    JsonObject environment = new JsonObject();
    container.env().forEach(environment::put);
    return new JsonObject()
      .put("id", container.id())
      .put("host", host.id())
      .put("ipaddress", address)
      .put("env", environment)
      .put("tags", new JsonArray(java.util.List.copyOf(tags)))
      .put("name", "/" + container.name())
      .put("image", container.image())
      .put("hostname", container.hostname())
      .put("host_port", String.valueOf(hostPort))
      .put("proto", proto)
      .put("port", String.valueOf(port))
      .put("path", path(env, app, port, hostPort, container.shortId()));
  }

  /** An address a consumer connects to: the document's {@code ipaddress} and {@code host_port}. */
  public record Endpoint(String host, int port, Set<String> tags) {
    public String address() {
      return host + ":" + port;
    }
  }

  /**
   * The endpoint a stored document gives, as the ambassador's discovery read it: at the minimum
   * {@code ipaddress} and {@code host_port} (a string or a number), and maybe {@code tags}.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  public static Endpoint endpoint(byte[] stored) {
    JsonObject doc;
    try {
      Object parsed = io.vertx.core.json.Json.decodeValue(io.vertx.core.buffer.Buffer.buffer(stored));
      if (!(parsed instanceof JsonObject object)) {
        throw new IllegalArgumentException("not a JSON object");
      }
      doc = object;
    } catch (DecodeException e) {
      throw new IllegalArgumentException("not JSON: " + firstLine(e.getMessage()));
    }
    Object ip = doc.getValue("ipaddress");
    if (!(ip instanceof String address) || address.isBlank()) {
      throw new IllegalArgumentException("field ipaddress is missing or not a string");
    }
    Object hostPort = doc.getValue("host_port");
    int port;
    try {
      port = hostPort instanceof Number n ? n.intValue() : Integer.parseInt(String.valueOf(hostPort).trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(hostPort == null ? "field host_port is missing" : "field host_port '" + hostPort + "' is not a port");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("field host_port " + port + " is out of range");
    }
    Set<String> tags = new LinkedHashSet<>();
    if (doc.getValue("tags") instanceof JsonArray list) {
      list.forEach(t -> tags.add(String.valueOf(t)));
    }
    return new Endpoint(address, port, Set.copyOf(tags));
  }

  private static String firstLine(String message) {
    return message == null ? "" : message.lines().findFirst().orElse("");
  }
}
