package dev.pharos.harness;

import dev.pharos.bus.Addresses;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What the checkers and registrars of a cluster told each other, heard on one node's bus: every
 * "down" on {@code pharos.instances} with its reason, every "deregistered" on
 * {@code pharos.changes}. Evidence for a failure message: why a registration went.
 */
final class BusFacts implements AutoCloseable {

  private final List<String> heard = new ArrayList<>();
  private final List<MessageConsumer<JsonObject>> consumers = new ArrayList<>();

  BusFacts(Vertx vertx) throws Exception {
    consumers.add(vertx.eventBus().<JsonObject>consumer(Addresses.INSTANCES, msg -> {
      if (!"up".equals(msg.body().getString("type"))) {
        record(msg.body().getString("type") + " " + id(msg.body()) + ": " + msg.body().getString("reason"));
      }
    }));
    consumers.add(vertx.eventBus().<JsonObject>consumer(Addresses.CHANGES, msg -> {
      if ("deregistered".equals(msg.body().getString("type"))) {
        record("deregistered " + id(msg.body()) + " at " + msg.body().getString("path"));
      }
    }));
    for (MessageConsumer<JsonObject> c : consumers) {
      c.completion().await(10, TimeUnit.SECONDS);
    }
  }

  private static String id(JsonObject fact) {
    return fact.getJsonObject("instance", new JsonObject()).getString("id");
  }

  private synchronized void record(String fact) {
    heard.add(LocalTime.now() + " " + fact);
  }

  synchronized List<String> heard() {
    return List.copyOf(heard);
  }

  @Override
  public void close() {
    consumers.forEach(MessageConsumer::unregister);
  }
}
