package dev.pharos.model;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the JSON a user keeps at {@code /env/{env}/sd/{app}}. Defaults are Nerve's:
 * check_interval 0.5 s, timeout 0.1 s, rise 1, fall 1.
 */
public final class DefinitionParser {

  static final double DEFAULT_CHECK_INTERVAL_S = 0.5;
  static final double DEFAULT_TIMEOUT_S = 0.1;

  private DefinitionParser() {
  }

  /** @param checkTypes reads each check's type-specific options (an unknown type is refused there) */
  public static Definition parse(String env, String app, long version, byte[] data, CheckValidator checkTypes)
    throws InvalidDefinitionException {
    String path = Definition.path(env, app);
    String envProblem = Names.problem(env);
    if (envProblem != null) {
      throw new InvalidDefinitionException("env", "'" + env + "' " + envProblem);
    }
    String appProblem = Names.problem(app);
    if (appProblem != null) {
      throw new InvalidDefinitionException("app", "'" + app + "' " + appProblem);
    }
    if (data == null || data.length == 0) {
      throw new InvalidDefinitionException("(document)", "empty, expected a JSON object with a 'nerve' key");
    }
    JsonObject doc;
    try {
      Object parsed = Buffer.buffer(data).toJsonValue();
      if (!(parsed instanceof JsonObject object)) {
        throw new InvalidDefinitionException("(document)", "not a JSON object");
      }
      doc = object;
    } catch (DecodeException e) {
      throw new InvalidDefinitionException("(document)", "not JSON: " + firstLine(e.getMessage()));
    }
    if (!(doc.getValue("nerve") instanceof JsonObject nerve)) {
      throw new InvalidDefinitionException("nerve", doc.containsKey("nerve") ? "not a JSON object" : "missing");
    }
    long checkIntervalMs = millis(nerve, "check_interval", "nerve.check_interval", DEFAULT_CHECK_INTERVAL_S);
    List<Check> checks = new ArrayList<>();
    Object checksValue = nerve.getValue("checks");
    if (checksValue != null && !(checksValue instanceof JsonArray)) {
      throw new InvalidDefinitionException("nerve.checks", "not a JSON array");
    }
    JsonArray checksJson = checksValue == null ? new JsonArray() : (JsonArray) checksValue;
    for (int i = 0; i < checksJson.size(); i++) {
      checks.add(check(checksJson.getValue(i), "nerve.checks[" + i + "]", checkTypes));
    }
    Integer weight = weight(nerve.getValue("weight"));
    Object options = nerve.getValue("haproxy_server_options");
    if (options != null && !(options instanceof String)) {
      throw new InvalidDefinitionException("nerve.haproxy_server_options", "not a string");
    }
    Object labels = nerve.getValue("labels");
    if (labels != null && !(labels instanceof JsonObject)) {
      throw new InvalidDefinitionException("nerve.labels", "not a JSON object");
    }
    return new Definition(env, app, path, version, checkIntervalMs, List.copyOf(checks), weight,
      (String) options, (JsonObject) labels);
  }

  private static Check check(Object value, String field, CheckValidator checkTypes) throws InvalidDefinitionException {
    if (!(value instanceof JsonObject json)) {
      throw new InvalidDefinitionException(field, "not a JSON object");
    }
    if (!(json.getValue("type") instanceof String type)) {
      throw new InvalidDefinitionException(field + ".type", json.containsKey("type") ? "not a string" : "missing");
    }
    Object host = json.getValue("host");
    if (host != null && (!(host instanceof String s) || s.isBlank())) {
      throw new InvalidDefinitionException(field + ".host", "must be a host name or address, got " + host);
    }
    Integer port = null;
    if (json.getValue("port") != null) {
      port = integer(json.getValue("port"));
      if (port == null || port < 1 || port > 65535) {
        throw new InvalidDefinitionException(field + ".port", "must be a port number (1-65535), got " + json.getValue("port"));
      }
    }
    long timeoutMs = millis(json, "timeout", field + ".timeout", DEFAULT_TIMEOUT_S);
    int rise = positiveInt(json, "rise", field + ".rise");
    int fall = positiveInt(json, "fall", field + ".fall");
    checkTypes.validate(type, json, field);
    return new Check(type, json.copy(), (String) host, port, timeoutMs, rise, fall);
  }

  /** Seconds as Nerve writes them (0.5), in milliseconds; for check types' own timeouts too. */
  public static long millis(JsonObject json, String key, String field, double defaultSeconds)
    throws InvalidDefinitionException {
    Object value = json.getValue(key);
    if (value == null) {
      return Math.round(defaultSeconds * 1000);
    }
    if (!(value instanceof Number n) || n.doubleValue() <= 0 || Double.isNaN(n.doubleValue())) {
      throw new InvalidDefinitionException(field, "must be a positive number of seconds, got " + value);
    }
    return Math.max(1, Math.round(n.doubleValue() * 1000));
  }

  private static int positiveInt(JsonObject json, String key, String field) throws InvalidDefinitionException {
    Object value = json.getValue(key);
    if (value == null) {
      return 1;
    }
    Integer n = integer(value);
    if (n == null || n < 1) {
      throw new InvalidDefinitionException(field, "must be an integer of at least 1, got " + value);
    }
    return n;
  }

  /** Nerve runs {@code Integer(weight)} and refuses negatives: "5" and 5 pass, 1.5 and -1 do not. */
  private static Integer weight(Object value) throws InvalidDefinitionException {
    if (value == null) {
      return null;
    }
    Integer n = integer(value);
    if (n == null || n < 0) {
      throw new InvalidDefinitionException("nerve.weight", "must be a non-negative integer, got " + value);
    }
    return n;
  }

  /** Nerve's {@code Integer(x)}: 5 and "5" are 5; 1.5 and "x" are not integers (null). */
  public static Integer integer(Object value) {
    try {
      BigDecimal d = value instanceof Number n ? new BigDecimal(n.toString())
        : value instanceof String s ? new BigDecimal(s.trim()) : null;
      return d == null ? null : d.intValueExact();
    } catch (ArithmeticException | NumberFormatException e) {
      return null;
    }
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }
}
