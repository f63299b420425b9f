package dev.pharos.nesoi;

import dev.pharos.model.Names;
import io.vertx.core.json.JsonObject;

import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Nesoi's resources as its clients send and read them: an app is {@code {"name","config"}}, a
 * service's host is {@code {"name","endpoints"}}, a web-hook is {@code {"name","endpoint"}}; the
 * first two get {@code updated_at} ({@code 2011-08-29 11:46:35.739202}, UTC) when stored. Other
 * fields a client sends (Nesoi's {@code "master": true}, say) are kept.
 */
public final class NesoiDocuments {

  /** Nesoi's {@code updated_at}: Python's {@code str(datetime)}, in UTC. */
  public static final DateTimeFormatter UPDATED_AT = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS");

  private NesoiDocuments() {
  }

  /** A request Nesoi refuses with 400, naming the field. */
  public static final class InvalidResource extends Exception {
    public InvalidResource(String message) {
      super(message);
    }
  }

  /** @throws InvalidResource when {@code name} cannot be a resource name (a URL and path segment) */
  public static void checkName(String what, String name) throws InvalidResource {
    String problem = Names.problem(name);
    if (problem != null) {
      throw new InvalidResource(what + " '" + printable(name) + "' " + problem);
    }
  }

  private static String printable(String s) {
    if (s == null) {
      return "";
    }
    String shown = s.length() > 60 ? s.substring(0, 60) + "…" : s;
    return shown.codePoints().map(c -> Character.isISOControl(c) ? '?' : c)
      .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
  }

  public static String updatedAt(Clock clock) {
    return LocalDateTime.now(clock.withZone(ZoneOffset.UTC)).format(UPDATED_AT);
  }

  /** {@code updated_at} of {@code epochMillis}. */
  public static String updatedAt(long epochMillis) {
    return LocalDateTime.ofEpochSecond(epochMillis / 1000, (int) (epochMillis % 1000) * 1_000_000, ZoneOffset.UTC).format(UPDATED_AT);
  }

  /** A document's {@code updated_at}, or null when it has none or another format. */
  public static LocalDateTime updatedAt(JsonObject doc) {
    try {
      return LocalDateTime.parse(doc.getString("updated_at", ""), UPDATED_AT);
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** The stored app: the body, checked, with {@code updated_at}. */
  public static JsonObject app(String urlName, JsonObject body, Clock clock) throws InvalidResource {
    return stored(urlName, body, "config", clock);
  }

  /**
   * The stored host of a service: the body, checked, with {@code updated_at}. Readers act on
   * {@code master} (true or false) and on each endpoint (a string, a URL in Nesoi's examples), so
   * those are refused with any other type rather than stored for every reader to trip on.
   */
  public static JsonObject host(String urlName, JsonObject body, Clock clock) throws InvalidResource {
    JsonObject doc = stored(urlName, body, "endpoints", clock);
    if (doc.containsKey("master") && !(doc.getValue("master") instanceof Boolean)) {
      throw new InvalidResource("field master is " + printable(String.valueOf(doc.getValue("master"))) + ", not true or false");
    }
    for (String endpoint : doc.getJsonObject("endpoints").fieldNames()) {
      if (!(doc.getJsonObject("endpoints").getValue(endpoint) instanceof String)) {
        throw new InvalidResource("field endpoints." + printable(endpoint) + " is not a string");
      }
    }
    return doc;
  }

  private static JsonObject stored(String urlName, JsonObject body, String required, Clock clock) throws InvalidResource {
    if (body == null) {
      throw new InvalidResource("the body is not a JSON object");
    }
    if (!(body.getValue("name") instanceof String name)) {
      throw new InvalidResource("field name is missing or not a string");
    }
    if (!name.equals(urlName)) {
      throw new InvalidResource("field name '" + printable(name) + "' is not the name in the URL, '" + urlName + "'");
    }
    if (!body.containsKey(required) || body.getValue(required) == null) {
      throw new InvalidResource("field " + required + " is missing");
    }
    if (!(body.getValue(required) instanceof JsonObject)) {
      throw new InvalidResource("field " + required + " is not a JSON object");
    }
    return body.copy().put("updated_at", updatedAt(clock));
  }

  /** A web-hook registration: {@code name} (which names its URL) and an http(s) {@code endpoint}. */
  public static JsonObject hook(JsonObject body) throws InvalidResource {
    if (body == null) {
      throw new InvalidResource("the body is not a JSON object");
    }
    if (!(body.getValue("name") instanceof String name)) {
      throw new InvalidResource("field name is missing or not a string");
    }
    checkName("field name", name);
    if (!(body.getValue("endpoint") instanceof String endpoint)) {
      throw new InvalidResource("field endpoint is missing or not a string");
    }
    try {
      java.net.URI uri = new java.net.URI(endpoint);
      if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
        throw new InvalidResource("field endpoint '" + printable(endpoint) + "' is not an http or https URL");
      }
    } catch (java.net.URISyntaxException e) {
      throw new InvalidResource("field endpoint '" + printable(endpoint) + "' is not a URL: " + e.getReason());
    }
    return new JsonObject().put("endpoint", endpoint).put("name", name);
  }
}
