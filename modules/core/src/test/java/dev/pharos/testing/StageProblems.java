package dev.pharos.testing;

import dev.pharos.bus.Addresses;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.concurrent.TimeUnit;

/** Asks a stage for its status over the bus, as /v1/health does, and looks for a problem. */
public final class StageProblems {

  private StageProblems() {
  }

  /** True when {@code stage} reports a problem whose subject starts with {@code subject} and whose reason contains {@code reasonPart}. */
  public static boolean has(Vertx vertx, String stage, String subject, String reasonPart) throws Exception {
    return vertx.eventBus().<JsonObject>request(Addresses.status(stage), new JsonObject())
      .await(5, TimeUnit.SECONDS).body().getJsonArray("problems").stream().map(JsonObject.class::cast)
      .anyMatch(p -> p.getString("subject").startsWith(subject) && p.getString("reason").contains(reasonPart));
  }
}
