package dev.pharos.launcher;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The jar's command line: {@code --conf FILE} and Nesoi's own options, which become conf
 * overrides: {@code --address IP} ({@code api.host}), {@code --port PORT} ({@code api.port}),
 * {@code --data-file PATH} (where the embedded ZooKeeper keeps its data), {@code --seed HOST:PORT}
 * (another node, whose cluster this one joins).
 */
record LaunchOptions(JsonObject conf, JsonObject overrides, boolean help) {

  static final String USAGE = "usage: java -jar pharos.jar [--conf FILE] [--address IP] [--port PORT] [--data-file PATH] "
    + "[--seed HOST:PORT]\n  (env: HOST_IP, ZK_HOSTS, DOCKER_HOST, INSTANCE_ID, ETCD_ENDPOINTS)";

  static LaunchOptions parse(String[] args) {
    JsonObject conf = new JsonObject();
    JsonObject overrides = new JsonObject();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--help") || arg.equals("-h")) {
        return new LaunchOptions(conf, overrides, true);
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("unknown argument or missing value: " + arg);
      }
      String value = args[++i];
      switch (arg) {
        case "--conf" -> conf = read(Path.of(value));
        case "--address" -> section(overrides, "api").put("host", value);
        case "--port" -> section(overrides, "api").put("port", port(value, "--port"));
        case "--data-file" -> section(section(overrides, "zookeeper"), "embedded").put("dataDir", value);
        case "--seed" -> {
          int colon = value.lastIndexOf(':');
          if (colon <= 0) {
            throw new IllegalArgumentException("--seed " + value + " is not HOST:PORT");
          }
          port(value.substring(colon + 1), "--seed");
          overrides.put("seed", value);
        }
        default -> throw new IllegalArgumentException("unknown argument " + arg);
      }
    }
    return new LaunchOptions(conf, overrides, false);
  }

  private static JsonObject section(JsonObject parent, String key) {
    JsonObject section = parent.getJsonObject(key);
    if (section == null) {
      section = new JsonObject();
      parent.put(key, section);
    }
    return section;
  }

  private static int port(String value, String flag) {
    try {
      int port = Integer.parseInt(value);
      if (port >= 0 && port <= 65535) {
        return port;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(flag + " " + value + " is not a port");
  }

  private static JsonObject read(Path file) {
    try {
      return Buffer.buffer(Files.readAllBytes(file)).toJsonObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
