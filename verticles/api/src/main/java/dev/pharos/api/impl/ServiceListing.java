package dev.pharos.api.impl;

import dev.pharos.nesoi.NesoiDocuments;
import dev.pharos.nesoi.NesoiDocuments.InvalidResource;
import io.vertx.core.json.JsonObject;

import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /srv/NAME}'s answer: every host, those written through REST and those the Docker
 * pipeline registered. {@code ?max_age=SECONDS} leaves out hosts updated longer ago; when several
 * claim {@code "master": true}, only the most recently updated one keeps it.
 */
final class ServiceListing {

  /** Beyond this (about 1,000 years) a max_age leaves nothing out: no date arithmetic overflows. */
  private static final long NO_LIMIT_SECONDS = 1000L * 366 * 24 * 3600;

  private ServiceListing() {
  }

  /**
   * {@code max_age}, a whole number of seconds, 0 or more; null when absent.
   *
   * @throws InvalidResource naming max_age when it is anything else
   */
  static Long maxAge(String param) throws InvalidResource {
    if (param == null) {
      return null;
    }
    String trimmed = param.trim();
    if (!trimmed.matches("\\d{1,19}")) {
      throw new InvalidResource("max_age '" + shown(param) + "' is not a whole number of seconds, 0 or more");
    }
    try {
      return Math.min(Long.parseLong(trimmed), NO_LIMIT_SECONDS);
    } catch (NumberFormatException e) {
      throw new InvalidResource("max_age '" + shown(param) + "' is too large");
    }
  }

  private static String shown(String param) {
    return param.length() > 40 ? param.substring(0, 40) + "…" : param;
  }

  static JsonObject render(Map<String, JsonObject> registered, Map<String, JsonObject> rest, Long maxAge, LocalDateTime now) {
    JsonObject all = new JsonObject();
    registered.forEach(all::put);
    rest.forEach(all::put);
    String master = null;
    LocalDateTime masterAt = null;
    for (String host : List.copyOf(all.fieldNames())) {
      JsonObject doc = all.getJsonObject(host);
      LocalDateTime at = NesoiDocuments.updatedAt(doc);
      if (maxAge != null && (at == null || at.isBefore(now.minusSeconds(maxAge)))) {
        all.remove(host);
        continue;
      }
      if (Boolean.TRUE.equals(doc.getValue("master")) && (masterAt == null || (at != null && at.isAfter(masterAt)))) {
        master = host;
        masterAt = at;
      }
    }
    for (String host : all.fieldNames()) {
      JsonObject doc = all.getJsonObject(host);
      if (Boolean.TRUE.equals(doc.getValue("master")) && !host.equals(master)) {
        all.put(host, doc.copy().put("master", false));
      }
    }
    return all;
  }
}
