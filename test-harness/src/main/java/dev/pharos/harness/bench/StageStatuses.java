package dev.pharos.harness.bench;

import dev.pharos.bus.Addresses;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The stage instances' statuses as they publish them on {@link Addresses#STATUS} every
 * heartbeat, heard by the bench as a cluster member: what each node's checkers watch and its
 * registrars hold, by their own count.
 */
final class StageStatuses {

  /** Three heartbeats unheard: gone, as the api judges it. */
  private static final long GONE_NANOS = TimeUnit.MILLISECONDS.toNanos(3 * Addresses.STATUS_HEARTBEAT_MS);

  private record Heard(JsonObject status, long nanos) {
  }

  private final Map<String, Heard> latest = new ConcurrentHashMap<>();
  private final MessageConsumer<JsonObject> consumer;

  StageStatuses(Vertx bus) throws Exception {
    consumer = bus.eventBus().<JsonObject>consumer(Addresses.STATUS,
      msg -> latest.put(msg.body().getString("id"), new Heard(msg.body(), System.nanoTime())));
    consumer.completion().await(10, TimeUnit.SECONDS);
  }

  /** The sum of {@code detail} over the live instances of {@code stage} on {@code node}. */
  long sum(String node, String stage, String detail) {
    long now = System.nanoTime();
    return latest.values().stream()
      .filter(h -> now - h.nanos() < GONE_NANOS)
      .map(Heard::status)
      .filter(s -> node.equals(s.getString("node")) && stage.equals(s.getString("stage")))
      .mapToLong(s -> s.getJsonObject("details", new JsonObject()).getLong(detail, 0L))
      .sum();
  }
}
