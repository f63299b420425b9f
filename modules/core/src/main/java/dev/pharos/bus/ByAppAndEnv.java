package dev.pharos.bus;

import io.vertx.core.json.JsonObject;

/**
 * Answers keyed {@code {app:{env:{…}}}} on the bus: the counts the registrars and health checkers
 * give the list of services, and the api's sums of them.
 */
public final class ByAppAndEnv {

  private ByAppAndEnv() {
  }

  /** The entry of {@code app}'s {@code env} in {@code byApp}, made (empty) when missing. */
  public static JsonObject entry(JsonObject byApp, String app, String env) {
    JsonObject byEnv = byApp.getJsonObject(app);
    if (byEnv == null) {
      byApp.put(app, byEnv = new JsonObject());
    }
    JsonObject entry = byEnv.getJsonObject(env);
    if (entry == null) {
      byEnv.put(env, entry = new JsonObject());
    }
    return entry;
  }
}
