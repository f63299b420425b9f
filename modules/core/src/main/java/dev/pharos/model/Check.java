package dev.pharos.model;

import io.vertx.core.json.JsonObject;

/**
 * One Nerve service check as its definition gives it. What the common fields mean is the same
 * for every type; the rest of {@code options} (an http check's {@code uri}, a mysql check's
 * {@code user}...) is read by the check type itself (see {@code dev.pharos.checks.CheckTypes}).
 *
 * @param options   the check's JSON object as the user wrote it
 * @param host      where to check, when not the instance's own address (Nerve's {@code host})
 * @param port      which port to check, when not the instance's own (Nerve's {@code port})
 * @param timeoutMs the whole run's deadline; Nerve gives it in seconds (0.2 = 200 ms)
 */
public record Check(String type, JsonObject options, String host, Integer port, long timeoutMs, int rise, int fall) {

  public Check {
    options = options == null ? new JsonObject() : options;
  }

  /** What a log line or a "down" reason calls it: the type and, for http, its uri. */
  public String describe() {
    Object uri = options.getValue("uri");
    return type + " check" + (uri instanceof String s ? " " + s : "");
  }

  public JsonObject toJson() {
    return new JsonObject().put("type", type).put("host", host).put("port", port).put("timeoutMs", timeoutMs)
      .put("rise", rise).put("fall", fall).put("options", options);
  }

  public static Check fromJson(JsonObject json) {
    return new Check(json.getString("type"), json.getJsonObject("options"), json.getString("host"),
      json.getInteger("port"), json.getLong("timeoutMs"), json.getInteger("rise"), json.getInteger("fall"));
  }
}
