package dev.pharos.model;

import java.nio.charset.StandardCharsets;

/** Rules for names that become ZooKeeper path segments ({@code env}, {@code app}, host ids). */
public final class Names {

  public static final int MAX_BYTES = 255;

  private Names() {
  }

  /** @return null when {@code name} is a legal path segment, otherwise why it is not. */
  public static String problem(String name) {
    if (name == null || name.isEmpty()) {
      return "is empty";
    }
    if (name.equals(".") || name.equals("..")) {
      return "is '" + name + "'";
    }
    if (name.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
      return "is longer than " + MAX_BYTES + " bytes";
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == '/') {
        return "contains '/'";
      }
      if (Character.isISOControl(c) || Character.isWhitespace(c)) {
        return "contains a control or space character";
      }
    }
    return null;
  }

  public static boolean isLegal(String name) {
    return problem(name) == null;
  }
}
