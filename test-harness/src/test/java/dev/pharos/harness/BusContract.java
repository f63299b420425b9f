package dev.pharos.harness;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The README's event bus table, read as a contract: each row's addresses and, from the code
 * spans of its body cell, the shapes of its messages. A shape is JSON-like: {@code {"a","b":"x"|"y",
 * "c":{"d"},"e":[{"f"}]}} names exactly the keys of an object, {@code "x"|"y"} the values a string
 * may take, {@code [shape]} what each element is; {@code {…}} or {@code {words}} is any object and
 * {@code […]} any array. On a request-reply row a span preceded by "reply" shapes a reply, any
 * other a request.
 */
final class BusContract {

  /** One row: its address patterns and the shapes of its facts or requests, and of its replies. */
  record Row(String addresses, List<Pattern> patterns, boolean requestReply, List<Object> messages, List<Object> replies) {
    boolean matches(String address) {
      return patterns.stream().anyMatch(p -> p.matcher(address).matches());
    }
  }

  private static final Pattern CODE = Pattern.compile("`([^`]+)`");

  private final List<Row> rows = new ArrayList<>();

  BusContract(String readme) {
    List<String> lines = readme.lines().toList();
    int at = lines.indexOf("| address | kind | publisher / answerer | consumers | body |");
    if (at < 0) {
      throw new IllegalArgumentException("no event bus table in the README");
    }
    for (int i = at + 2; i < lines.size() && lines.get(i).startsWith("|"); i++) {
      String[] cells = lines.get(i).split("(?<!\\\\)\\|", -1);
      rows.add(row(cells[1].trim(), cells[2].trim(), cells[5].replace("\\|", "|")));
    }
  }

  static BusContract fromReadme() throws Exception {
    Path readme = Files.exists(Path.of("README.md")) ? Path.of("README.md") : Path.of("..", "README.md");
    return new BusContract(Files.readString(readme));
  }

  private static Row row(String addressCell, String kind, String body) {
    List<Pattern> patterns = new ArrayList<>();
    Matcher m = CODE.matcher(addressCell);
    while (m.find()) {
      // a placeholder such as <member> is one dot-free segment
      patterns.add(Pattern.compile(Pattern.quote(m.group(1)).replaceAll("<[^>]+>", "\\\\E[^.]+\\\\Q")));
    }
    boolean requestReply = kind.startsWith("request-reply");
    List<Object> messages = new ArrayList<>();
    List<Object> replies = new ArrayList<>();
    Matcher span = CODE.matcher(body);
    int end = 0;
    while (span.find()) {
      String before = body.substring(end, span.start());
      end = span.end();
      if (span.group(1).startsWith("{")) {
        (requestReply && before.matches("(?s).*\\breply\\b.*") ? replies : messages).add(new ShapeParser(span.group(1)).parse());
      }
    }
    return new Row(addressCell, patterns, requestReply, messages, replies);
  }

  List<Row> rows() {
    return rows;
  }

  /** The row documenting {@code address}, or null. */
  Row row(String address) {
    return rows.stream().filter(r -> r.matches(address)).findFirst().orElse(null);
  }

  /** Why {@code message} fits none of {@code shapes}, or null when it fits one. */
  static String mismatch(List<Object> shapes, Object message) {
    String closest = null;
    boolean claimed = false;
    for (Object shape : shapes) {
      String why = mismatch("", shape, message);
      if (why == null) {
        return null;
      }
      // the shape of the message's own "type" says best what is wrong; else the shortest complaint
      boolean claims = shape instanceof Map<?, ?> keys && keys.get("type") instanceof Set<?> types
        && message instanceof JsonObject o && types.contains(o.getValue("type"));
      if (claims && !claimed || claims == claimed && (closest == null || why.length() < closest.length())) {
        closest = why;
        claimed = claims;
      }
    }
    return shapes.isEmpty() ? "no shape documented" : closest;
  }

  @SuppressWarnings("unchecked")
  private static String mismatch(String at, Object shape, Object value) {
    if (shape == ShapeParser.ANY) {
      return null;
    }
    if (shape instanceof Set<?> values) {
      return values.contains(value) ? null : at + ": " + value + " is not one of " + values;
    }
    if (shape instanceof List<?> element) {
      if (!(value instanceof JsonArray array)) {
        return at + ": not an array";
      }
      for (int i = 0; i < array.size(); i++) {
        String why = mismatch(at + "[" + i + "]", element.get(0), array.getValue(i));
        if (why != null) {
          return why;
        }
      }
      return null;
    }
    Map<String, Object> keys = (Map<String, Object>) shape;
    if (!(value instanceof JsonObject object)) {
      return at + ": not an object";
    }
    Set<String> undocumented = new LinkedHashSet<>(object.fieldNames());
    undocumented.removeAll(keys.keySet());
    Set<String> missing = new LinkedHashSet<>(keys.keySet());
    missing.removeAll(object.fieldNames());
    if (!undocumented.isEmpty() || !missing.isEmpty()) {
      return (at.isEmpty() ? "" : at + ": ") + "undocumented " + undocumented + ", missing " + missing;
    }
    for (Map.Entry<String, Object> key : keys.entrySet()) {
      Object v = object.getValue(key.getKey());
      String why = v == null && !(key.getValue() instanceof Set) ? null : mismatch(at + "." + key.getKey(), key.getValue(), v);
      if (why != null) {
        return why;
      }
    }
    return null;
  }

  /**
   * Reads one shape: a map of key to shape (ANY when the key has no value), a set of string
   * values, a one-element list for an array, or ANY.
   */
  static final class ShapeParser {
    static final Object ANY = new Object();
    private final String text;
    private int pos;

    ShapeParser(String text) {
      this.text = text;
    }

    Object parse() {
      Object shape = value();
      if (pos != text.length()) {
        throw new IllegalArgumentException("trailing text at " + pos + " in " + text);
      }
      return shape;
    }

    private Object value() {
      char c = text.charAt(pos);
      if (c == '{') {
        return peekAfter('{') == '"' ? object() : skipGroup('{', '}');
      }
      if (c == '[') {
        if (peekAfter('[') == '{' || peekAfter('[') == '"') {
          pos++;
          Object element = value();
          expect(']');
          return List.of(element);
        }
        return skipGroup('[', ']');
      }
      if (c == '"') {
        Set<String> values = new LinkedHashSet<>();
        values.add(string());
        while (pos < text.length() && text.charAt(pos) == '|') {
          pos++;
          values.add(string());
        }
        return values;
      }
      throw new IllegalArgumentException("unexpected '" + c + "' at " + pos + " in " + text);
    }

    private Map<String, Object> object() {
      Map<String, Object> keys = new LinkedHashMap<>();
      expect('{');
      while (true) {
        String key = string();
        Object shape = ANY;
        if (text.charAt(pos) == ':') {
          pos++;
          shape = value();
        }
        keys.put(key, shape);
        if (text.charAt(pos) == '}') {
          pos++;
          return keys;
        }
        expect(',');
      }
    }

    private Object skipGroup(char open, char close) {
      int depth = 0;
      do {
        char c = text.charAt(pos++);
        depth += c == open ? 1 : c == close ? -1 : 0;
      } while (depth > 0);
      return ANY;
    }

    private char peekAfter(char c) {
      return text.charAt(pos) == c && pos + 1 < text.length() ? text.charAt(pos + 1) : 0;
    }

    private String string() {
      expect('"');
      int close = text.indexOf('"', pos);
      String s = text.substring(pos, close);
      pos = close + 1;
      return s;
    }

    private void expect(char c) {
      if (pos >= text.length() || text.charAt(pos) != c) {
        throw new IllegalArgumentException("expected '" + c + "' at " + pos + " in " + text);
      }
      pos++;
    }
  }
}
