package dev.pharos.model;

import io.vertx.core.json.JsonObject;

/**
 * One Nerve service check: {@code type} http or tcp, with Nerve's rise/fall counts.
 *
 * @param uri       the path of an http check (Nerve's default "/health" is not assumed: required)
 * @param timeoutMs Nerve gives the timeout in seconds (0.2 = 200 ms)
 * @param expect    an http check passes only when the body contains this text, when set
 */
public record Check(String type, String uri, long timeoutMs, int rise, int fall, String expect) {

  public static final String HTTP = "http";
  public static final String TCP = "tcp";

  public JsonObject toJson() {
    return new JsonObject().put("type", type).put("uri", uri).put("timeoutMs", timeoutMs)
      .put("rise", rise).put("fall", fall).put("expect", expect);
  }

  public static Check fromJson(JsonObject json) {
    return new Check(json.getString("type"), json.getString("uri"), json.getLong("timeoutMs"),
      json.getInteger("rise"), json.getInteger("fall"), json.getString("expect"));
  }
}
