package dev.pharos.serf;

import dev.pharos.model.Names;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;

/**
 * serf-handler's {@code config_updated} payload: {@code {"p":product,"k":key,"v":version,"c":{config}}},
 * under serf's 512-byte limit for an event's payload. {@code p} and {@code k} become a directory
 * and a file name, so they follow the rules of a path segment.
 */
public record ConfigUpdate(String product, String key, long version, JsonObject config) {

  public static final String EVENT = "config_updated";
  /** serf refuses user event payloads over this many bytes. */
  public static final int MAX_PAYLOAD = 512;

  /**
   * @throws IllegalArgumentException naming the field that is wrong
   */
  public static ConfigUpdate parse(byte[] payload) {
    Object parsed;
    try {
      parsed = Buffer.buffer(payload).toJsonValue();
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("payload is not JSON");
    }
    if (!(parsed instanceof JsonObject json)) {
      throw new IllegalArgumentException("payload is not a JSON object of p, k, v, c");
    }
    String product = segment(json, "p");
    String key = segment(json, "k");
    Object v = json.getValue("v");
    if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
      throw new IllegalArgumentException("field v is missing or not an integer version");
    }
    if (!(json.getValue("c") instanceof JsonObject config)) {
      throw new IllegalArgumentException("field c is missing or not a JSON object");
    }
    return new ConfigUpdate(product, key, n.longValue(), config);
  }

  private static String segment(JsonObject json, String field) {
    if (!(json.getValue(field) instanceof String value)) {
      throw new IllegalArgumentException("field " + field + " is missing or not a string");
    }
    String problem = Names.problem(value);
    if (problem != null) {
      throw new IllegalArgumentException("field " + field + " " + problem);
    }
    return value;
  }

  /** The payload to send, refused when serf would refuse it. */
  public byte[] payload() {
    byte[] bytes = new JsonObject().put("p", product).put("k", key).put("v", version).put("c", config).encode()
      .getBytes(StandardCharsets.UTF_8);
    if (bytes.length > MAX_PAYLOAD) {
      throw new IllegalArgumentException("config_updated payload for " + product + "/" + key + " is " + bytes.length
        + " bytes, over serf's " + MAX_PAYLOAD);
    }
    return bytes;
  }
}
