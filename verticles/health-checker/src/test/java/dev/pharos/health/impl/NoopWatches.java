package dev.pharos.health.impl;

import dev.pharos.checks.CheckTypes;
import dev.pharos.model.Definition;
import dev.pharos.model.DefinitionParser;
import dev.pharos.model.Instance;
import io.vertx.core.json.JsonObject;

/** Watches of instances with one noop check, never started: for the tests of what holds watches. */
final class NoopWatches {

  private NoopWatches() {
  }

  /** The instance's container id is its id. */
  static ServiceWatch of(String id, String env, String app, String host) throws Exception {
    Instance i = new Instance(id, env, app, host, id, "10.0.0.1", 8080, new JsonObject(), new JsonObject());
    Definition definition = DefinitionParser.parse(env, app, 1,
      "{\"nerve\": {\"checks\": [{\"type\": \"noop\"}]}}".getBytes(java.nio.charset.StandardCharsets.UTF_8),
      CheckTypes.standard());
    return new ServiceWatch(null, null, i, definition, (w, reason) -> { }, false);
  }
}
