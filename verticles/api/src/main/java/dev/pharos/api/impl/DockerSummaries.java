package dev.pharos.api.impl;

import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.TreeMap;

/**
 * The Docker part of the list of services as the registrars and checkers summarise it, merged
 * over the cluster, and read back: registrations by app and env ({@code {"registered","since",
 * "documents"}}), watches by app, env and state. Each registrar and checker holds a share, so
 * counts add up and the latest since is the latest of all.
 */
public final class DockerSummaries {

  private DockerSummaries() {
  }

  /** Adds one registrar's {@code {app:{env:{"registered","since","documents"}}}} into {@code into}. */
  public static void addRegistrations(JsonObject into, JsonObject summary) {
    summary.forEach(app -> ((JsonObject) app.getValue()).forEach(env -> {
      JsonObject from = (JsonObject) env.getValue();
      JsonObject to = entry(into, app.getKey(), env.getKey());
      to.put("registered", to.getInteger("registered", 0) + from.getInteger("registered", 0))
        .put("documents", to.getInteger("documents", 0) + from.getInteger("documents", 0))
        .put("since", Math.max(to.getLong("since", 0L), from.getLong("since", 0L)));
    }));
  }

  /** Whether any registrar's summary merged into {@code summary} has a registration. */
  public static boolean anyRegistered(JsonObject summary) {
    return summary.stream().anyMatch(app -> ((JsonObject) app.getValue()).stream()
      .anyMatch(env -> ((JsonObject) env.getValue()).getInteger("registered", 0) > 0));
  }

  /** Adds one checker's {@code {app:{env:{state:n}}}} into {@code into}. */
  public static void addCounts(JsonObject into, JsonObject counts) {
    counts.forEach(app -> ((JsonObject) app.getValue()).forEach(env -> {
      JsonObject to = entry(into, app.getKey(), env.getKey());
      ((JsonObject) env.getValue()).forEach(state -> to.put(state.getKey(),
        to.getInteger(state.getKey(), 0) + ((Number) state.getValue()).intValue()));
    }));
  }

  /** {@code {app:{env:{state:n}}}} as maps. */
  static Map<String, Map<String, Map<String, Integer>>> states(JsonObject counts) {
    Map<String, Map<String, Map<String, Integer>>> byApp = new TreeMap<>();
    counts.forEach(app -> ((JsonObject) app.getValue()).forEach(env -> ((JsonObject) env.getValue()).forEach(state ->
      byApp.computeIfAbsent(app.getKey(), k -> new TreeMap<>()).computeIfAbsent(env.getKey(), k -> new TreeMap<>())
        .put(state.getKey(), ((Number) state.getValue()).intValue()))));
    return byApp;
  }

  /** One field of each app's env of a registrations summary, as maps (a missing one left out). */
  static Map<String, Map<String, Long>> field(JsonObject summary, String name) {
    Map<String, Map<String, Long>> byApp = new TreeMap<>();
    summary.forEach(app -> ((JsonObject) app.getValue()).forEach(env -> {
      Number value = (Number) ((JsonObject) env.getValue()).getValue(name);
      if (value != null) {
        byApp.computeIfAbsent(app.getKey(), k -> new TreeMap<>()).put(env.getKey(), value.longValue());
      }
    }));
    return byApp;
  }

  private static JsonObject entry(JsonObject into, String app, String env) {
    return dev.pharos.bus.ByAppAndEnv.entry(into, app, env);
  }
}
