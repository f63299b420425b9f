package dev.pharos.harness.bench;

import dev.pharos.bus.Addresses;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * When the checkers' "up" facts ({@link Addresses#INSTANCES}) reached the bench, by instance
 * id ({@link System#nanoTime()}): with the znode times, it splits a registration's time
 * between the checker (fact to "up") and the registrar ("up" to znode).
 */
final class UpFacts {

  private final Map<String, List<Long>> ups = new ConcurrentHashMap<>();
  private final MessageConsumer<JsonObject> consumer;

  UpFacts(Vertx bus) throws Exception {
    consumer = bus.eventBus().<JsonObject>consumer(Addresses.INSTANCES, msg -> {
      if ("up".equals(msg.body().getString("type"))) {
        ups.computeIfAbsent(msg.body().getJsonObject("instance").getString("id"), k -> new CopyOnWriteArrayList<>())
          .add(System.nanoTime());
      }
    });
    consumer.completion().await(10, TimeUnit.SECONDS);
  }

  /** The first "up" of the instance heard after {@code since}, or null. */
  Long firstAfter(String instanceId, long since) {
    for (long t : ups.getOrDefault(instanceId, List.of())) {
      if (t > since) {
        return t;
      }
    }
    return null;
  }
}
