package dev.pharos.harness.bench;

import dev.pharos.bus.Addresses;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When each pipeline fact about a container went by on the bus (wall clock, nanoseconds): the
 * container fact, the instance up, the registration. For a breakdown of where the time goes.
 */
final class PipelineStages {

  private final Map<String, long[]> seen = new ConcurrentHashMap<>();

  PipelineStages(Vertx vertx) {
    record(vertx, Addresses.CONTAINERS, "up", 0, m -> m.getJsonObject("container").getString("id"));
    record(vertx, Addresses.INSTANCES, "up", 1, m -> m.getJsonObject("instance").getString("containerId"));
    record(vertx, Addresses.CHANGES, "registered", 2, m -> m.getJsonObject("instance").getString("containerId"));
  }

  private void record(Vertx vertx, String address, String type, int stage, java.util.function.Function<JsonObject, String> id) {
    vertx.eventBus().<JsonObject>consumer(address, m -> {
      if (type.equals(m.body().getString("type"))) {
        seen.computeIfAbsent(id.apply(m.body()), k -> new long[3])[stage] = ZnodeTimes.now();
      }
    });
  }

  /** {@code [container fact, instance up, registered]}, or null. */
  long[] of(String containerId) {
    return seen.get(containerId);
  }
}
