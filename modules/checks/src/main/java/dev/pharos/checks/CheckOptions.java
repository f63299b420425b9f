package dev.pharos.checks;

import dev.pharos.model.DefinitionParser;
import dev.pharos.model.InvalidDefinitionException;
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.Map;

/** Reads one check's own options, naming the field at fault ({@code nerve.checks[0].user}). */
public final class CheckOptions {

  private final JsonObject check;
  private final String field;

  public CheckOptions(JsonObject check, String field) {
    this.check = check;
    this.field = field;
  }

  public String field(String key) {
    return field + "." + key;
  }

  /** A string the check cannot run without (Nerve raises "missing required argument"). */
  public String requiredString(String key, String why) throws InvalidDefinitionException {
    String value = string(key, null);
    if (value == null) {
      throw new InvalidDefinitionException(field(key), "missing: " + why);
    }
    return value;
  }

  public String string(String key, String otherwise) throws InvalidDefinitionException {
    Object value = check.getValue(key);
    if (value == null) {
      return otherwise;
    }
    if (!(value instanceof String s)) {
      throw new InvalidDefinitionException(field(key), "not a string: " + value);
    }
    return s;
  }

  public boolean bool(String key, boolean otherwise) throws InvalidDefinitionException {
    Object value = check.getValue(key);
    if (value == null) {
      return otherwise;
    }
    if (!(value instanceof Boolean b)) {
      throw new InvalidDefinitionException(field(key), "must be true or false, got " + value);
    }
    return b;
  }

  /** An integer of at least {@code min}, written as Nerve takes it (5 or "5"). */
  public int integer(String key, int otherwise, int min) throws InvalidDefinitionException {
    Object value = check.getValue(key);
    if (value == null) {
      return otherwise;
    }
    Integer n = DefinitionParser.integer(value);
    if (n == null || n < min) {
      throw new InvalidDefinitionException(field(key), "must be an integer of at least " + min + ", got " + value);
    }
    return n;
  }

  /** Seconds, as Nerve writes them, in milliseconds. */
  public long millis(String key, double otherwiseSeconds) throws InvalidDefinitionException {
    return DefinitionParser.millis(check, key, field(key), otherwiseSeconds);
  }

  /** A JSON object of string values (an http check's {@code headers}). */
  public Map<String, String> strings(String key) throws InvalidDefinitionException {
    Object value = check.getValue(key);
    Map<String, String> map = new LinkedHashMap<>();
    if (value == null) {
      return map;
    }
    if (!(value instanceof JsonObject json)) {
      throw new InvalidDefinitionException(field(key), "not a JSON object");
    }
    for (Map.Entry<String, Object> e : json) {
      if (!(e.getValue() instanceof String s)) {
        throw new InvalidDefinitionException(field(key) + "." + e.getKey(), "not a string: " + e.getValue());
      }
      map.put(e.getKey(), s);
    }
    return map;
  }
}
