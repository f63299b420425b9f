package dev.pharos.bus;

import dev.pharos.model.Container;
import io.vertx.core.json.JsonObject;

import io.vertx.core.Vertx;

import java.util.Map;
import java.util.function.BooleanSupplier;

/** Applies a {@link Addresses#CONTAINERS} fact to what a consumer knows of that fact's host. */
public final class ContainerFacts {

  private ContainerFacts() {
  }

  /**
   * Brings {@code ofHost} (container id to container, of the fact's host) in line with the fact.
   *
   * @return false when the fact's type is unknown (nothing changed)
   */
  public static boolean apply(JsonObject fact, Map<String, Container> ofHost) {
    switch (fact.getString("type", "")) {
      case "snapshot" -> {
        ofHost.clear();
        fact.getJsonArray("containers").forEach(c -> {
          Container container = Container.fromJson((JsonObject) c);
          ofHost.put(container.id(), container);
        });
      }
      case "up" -> {
        Container container = Container.fromJson(fact.getJsonObject("container"));
        ofHost.put(container.id(), container);
      }
      case "down" -> ofHost.remove(fact.getJsonObject("container").getString("id"));
      default -> {
        return false;
      }
    }
    return true;
  }

  /**
   * Asks every docker watcher for a snapshot every 2 s until {@code seen} says this host's came:
   * a stage deployed after the watcher's start would otherwise wait for the next container event.
   */
  public static void announceUntil(Vertx vertx, BooleanSupplier seen) {
    if (!seen.getAsBoolean()) {
      vertx.eventBus().publish(Addresses.CONTAINERS_ANNOUNCE, new JsonObject());
      vertx.setTimer(2000, t -> announceUntil(vertx, seen));
    }
  }
}
