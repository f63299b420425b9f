package dev.pharos.model;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * A service definition read from {@code /env/{env}/sd/{app}}: the {@code nerve} partial that
 * says how to check and how to register the containers labelled {@code sd-env}/{@code sd-name}.
 *
 * @param version the store's version of the definition (a ZooKeeper mzxid), so replays are no-ops
 * @param weight  optional, copied into the registration as Nerve does
 * @param haproxyServerOptions optional, copied into the registration
 * @param labels  optional, copied into the registration
 */
public record Definition(String env, String app, String path, long version, long checkIntervalMs,
                         List<Check> checks, Integer weight, String haproxyServerOptions, JsonObject labels) {

  /** The ZooKeeper path of the definition of {@code app} in {@code env}. */
  public static String path(String env, String app) {
    return "/env/" + env + "/sd/" + app;
  }

  /** The parent of the Nerve registrations of {@code app} in {@code env}. */
  public static String registrationsPath(String env, String app) {
    return path(env, app) + "/sd";
  }

  /** True when both say the same, whatever their versions: a rewrite with equal content changes nothing. */
  public boolean sameRulesAs(Definition other) {
    return other != null && new Definition(env, app, path, 0, checkIntervalMs, checks, weight, haproxyServerOptions, labels)
      .equals(new Definition(other.env, other.app, other.path, 0, other.checkIntervalMs, other.checks, other.weight,
        other.haproxyServerOptions, other.labels));
  }

  public String key() {
    return env + "/" + app;
  }

  public JsonObject toJson() {
    JsonArray checksJson = new JsonArray();
    checks.forEach(c -> checksJson.add(c.toJson()));
    return new JsonObject().put("env", env).put("app", app).put("path", path).put("version", version)
      .put("checkIntervalMs", checkIntervalMs).put("checks", checksJson).put("weight", weight)
      .put("haproxyServerOptions", haproxyServerOptions).put("labels", labels);
  }

  public static Definition fromJson(JsonObject json) {
    List<Check> checks = json.getJsonArray("checks").stream().map(o -> Check.fromJson((JsonObject) o)).toList();
    return new Definition(json.getString("env"), json.getString("app"), json.getString("path"),
      json.getLong("version"), json.getLong("checkIntervalMs"), checks, json.getInteger("weight"),
      json.getString("haproxyServerOptions"), json.getJsonObject("labels"));
  }
}
