package dev.pharos.catalog.impl;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;

/** Reading the fields of a stored JSON document, each failure naming the field. */
final class Documents {

  private Documents() {
  }

  static JsonObject object(byte[] data) {
    if (data == null || data.length == 0) {
      throw new IllegalArgumentException("no data");
    }
    try {
      if (Json.decodeValue(Buffer.buffer(data)) instanceof JsonObject object) {
        return object;
      }
      throw new IllegalArgumentException("not a JSON object");
    } catch (DecodeException e) {
      String message = e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse("");
      throw new IllegalArgumentException("not JSON: " + message);
    }
  }

  static String string(JsonObject json, String field) {
    if (!(json.getValue(field) instanceof String value) || value.isBlank()) {
      throw new IllegalArgumentException("field " + field + " is missing or not a string");
    }
    return value;
  }

  /** A port as a number or a numeric string. */
  static int port(Object value, String field) {
    int port;
    try {
      port = value instanceof Number n ? n.intValue() : Integer.parseInt(String.valueOf(value).trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(value == null ? "field " + field + " is missing"
        : "field " + field + " '" + value + "' is not a port");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("field " + field + " " + port + " is out of range");
    }
    return port;
  }
}
