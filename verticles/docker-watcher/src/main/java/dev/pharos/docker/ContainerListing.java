package dev.pharos.docker;

import com.github.dockerjava.transport.DockerHttpClient;
import dev.pharos.model.Container;
import dev.pharos.model.PortBinding;
import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Lists the running containers and maps Docker's inspect JSON to the model. Read as dockerd
 * writes it, with Vert.x's JSON (Jackson's streaming parser): docker-java's typed answers are
 * bound by Jackson's databind, which took half the CPU of an agent's resync of 1,000 containers
 * on a cold JVM, and the model needs a dozen of their fields.
 */
final class ContainerListing {

  private ContainerListing() {
  }

  /** Blocking: {@code GET /containers/{id}/json}, Docker's inspect JSON; null when there is no such container. */
  static JsonObject inspect(DockerHttpClient http, String id) {
    return get(http, "/containers/" + id + "/json", "docker inspect " + id).map(JsonObject::new).orElse(null);
  }

  /**
   * {@code docker ps}, then an inspect of each (for the environment and network mode a listing
   * lacks), the inspects spread over {@code pool}'s workers: a resync of 1,000 containers waits
   * for 1,000 round trips divided by the pool's size, not for all of them one after another.
   */
  static Future<List<Container>> running(DockerHttpClient http, WorkerExecutor pool) {
    return pool.executeBlocking(() -> get(http, "/containers/json", "docker ps").map(JsonArray::new).orElseThrow(), false)
      .compose(listed -> {
        List<Future<Container>> inspects = new ArrayList<>(listed.size());
        for (Object entry : listed) {
          String id = ((JsonObject) entry).getString("Id");
          inspects.add(pool.executeBlocking(() -> {
            JsonObject c = inspect(http, id);
            // gone between the listing and the inspect: its destroy event follows
            return c != null && running(c) ? toModel(c) : null;
          }, false));
        }
        return Future.all(inspects).map(all -> {
          List<Container> running = new ArrayList<>(inspects.size());
          inspects.forEach(f -> {
            if (f.result() != null) {
              running.add(f.result());
            }
          });
          return running;
        });
      });
  }

  /** The answer's body to a GET, empty on a 404; any other failure names {@code what}. */
  private static Optional<Buffer> get(DockerHttpClient http, String path, String what) {
    var request = DockerHttpClient.Request.builder().method(DockerHttpClient.Request.Method.GET).path(path).build();
    try (DockerHttpClient.Response response = http.execute(request)) {
      byte[] body = response.getBody().readAllBytes();
      if (response.getStatusCode() == 404) {
        return Optional.empty();
      }
      if (response.getStatusCode() != 200) {
        throw new IllegalStateException(what + ": " + response.getStatusCode() + " " + new String(body, StandardCharsets.UTF_8).trim());
      }
      return Optional.of(Buffer.buffer(body));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(what + ": " + e.getMessage(), e);
    }
  }

  static boolean running(JsonObject c) {
    return object(c, "State").getBoolean("Running", false);
  }

  /** A started container: after its start event, and for each one {@code docker ps} lists. */
  static Container toModel(JsonObject c) {
    List<PortBinding> ports = new ArrayList<>();
    object(c, "NetworkSettings").getJsonObject("Ports", new JsonObject()).forEach(e -> {
      Integer port = containerPort(e.getKey());
      if (port == null) {
        return;
      }
      String proto = protocol(e.getKey());
      if (!(e.getValue() instanceof JsonArray bindings) || bindings.isEmpty()) {
        ports.add(new PortBinding(port, null, proto));
        return;
      }
      for (Object b : bindings) {
        ports.add(new PortBinding(port, hostPort(b), proto));
      }
    });
    return withPorts(c, ports);
  }

  /**
   * After a create event: the container as it will run, when its host ports are already
   * known, that is when every published port names its host port ({@code -p 8080:80}).
   * Empty when Docker picks a port at start ({@code -p 80}, {@code -P}): then only an inspect
   * after the start tells.
   */
  static Optional<Container> beforeStart(JsonObject c) {
    JsonObject host = c.getJsonObject("HostConfig");
    if (host == null || host.getBoolean("PublishAllPorts", false)) {
      return Optional.empty();
    }
    Map<String, Object> bindings = new LinkedHashMap<>();
    object(c, "Config").getJsonObject("ExposedPorts", new JsonObject()).fieldNames().forEach(exposed -> bindings.put(exposed, null));
    host.getJsonObject("PortBindings", new JsonObject()).forEach(e -> bindings.put(e.getKey(), e.getValue()));
    List<PortBinding> ports = new ArrayList<>();
    for (Map.Entry<String, Object> e : bindings.entrySet()) {
      Integer port = containerPort(e.getKey());
      if (port == null) {
        continue;
      }
      String proto = protocol(e.getKey());
      if (!(e.getValue() instanceof JsonArray published) || published.isEmpty()) {
        ports.add(new PortBinding(port, null, proto));
        continue;
      }
      for (Object b : published) {
        Integer hostPort = hostPort(b);
        if (hostPort == null || hostPort == 0) {
          return Optional.empty();
        }
        ports.add(new PortBinding(port, hostPort, proto));
      }
    }
    return Optional.of(withPorts(c, ports));
  }

  private static Container withPorts(JsonObject c, List<PortBinding> ports) {
    String id = c.getString("Id");
    String name = c.getString("Name") == null ? id : c.getString("Name").replaceFirst("^/", "");
    String networkMode = object(c, "HostConfig").getString("NetworkMode", "default");
    JsonObject config = c.getJsonObject("Config");
    Map<String, String> labels = new LinkedHashMap<>();
    String image = c.getString("Image");
    String hostname = id.substring(0, Math.min(12, id.length()));
    String[] env = null;
    if (config != null) {
      config.getJsonObject("Labels", new JsonObject()).forEach(e -> labels.put(e.getKey(), String.valueOf(e.getValue())));
      image = config.getString("Image");
      hostname = config.getString("Hostname", hostname);
      JsonArray entries = config.getJsonArray("Env");
      env = entries == null ? null : entries.stream().map(String::valueOf).toArray(String[]::new);
    }
    Map<String, String> mounts = new LinkedHashMap<>();
    c.getJsonArray("Mounts", new JsonArray()).forEach(m -> {
      if (m instanceof JsonObject mount && mount.getString("Destination") != null && mount.getString("Source") != null) {
        mounts.put(mount.getString("Destination"), mount.getString("Source"));
      }
    });
    return new Container(id, name, image, Map.copyOf(labels), List.copyOf(ports), networkMode, hostname,
      Collections.unmodifiableMap(Container.parseEnv(env)), Collections.unmodifiableMap(mounts), health(c),
      object(c, "State").getInteger("Pid", 0), addresses(c));
  }

  /** The container's IPv4 address on each network it is attached to, by network name. */
  static Map<String, String> addresses(JsonObject c) {
    Map<String, String> addresses = new LinkedHashMap<>();
    object(c, "NetworkSettings").getJsonObject("Networks", new JsonObject()).forEach(e -> {
      String ip = e.getValue() instanceof JsonObject settings ? settings.getString("IPAddress") : null;
      if (ip != null && !ip.isBlank()) {
        addresses.put(e.getKey(), ip);
      }
    });
    return Collections.unmodifiableMap(addresses);
  }

  /** Docker's health status, "starting" before the first probe, or null without a HEALTHCHECK. */
  static String health(JsonObject c) {
    JsonObject check = object(c, "Config").getJsonObject("Healthcheck");
    JsonArray test = check == null ? null : check.getJsonArray("Test");
    if (test == null || test.isEmpty() || "NONE".equals(test.getValue(0))) {
      return null;
    }
    JsonObject state = object(c, "State").getJsonObject("Health");
    return state == null || state.getString("Status") == null ? "starting" : state.getString("Status");
  }

  private static JsonObject object(JsonObject c, String field) {
    return c.getValue(field) instanceof JsonObject o ? o : new JsonObject();
  }

  /** {@code 80/tcp} to 80 (a port with no protocol is tcp, as Docker has it); null when not a port. */
  private static Integer containerPort(String exposed) {
    int slash = exposed.indexOf('/');
    try {
      return Integer.valueOf(slash < 0 ? exposed : exposed.substring(0, slash));
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static String protocol(String exposed) {
    int slash = exposed.indexOf('/');
    return slash < 0 ? "tcp" : exposed.substring(slash + 1);
  }

  private static Integer hostPort(Object binding) {
    String spec = binding instanceof JsonObject b ? b.getString("HostPort") : null;
    try {
      return spec == null || spec.isEmpty() ? null : Integer.valueOf(spec);
    } catch (NumberFormatException e) {
      return null; // a range is never what a running container is bound to
    }
  }
}
