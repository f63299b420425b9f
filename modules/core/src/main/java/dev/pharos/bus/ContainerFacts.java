package dev.pharos.bus;

import dev.pharos.model.Container;
import io.vertx.core.json.JsonObject;


import java.util.Map;

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
      case "health" -> ofHost.computeIfPresent(fact.getString("id"), (id, known) -> known.withHealth(fact.getString("health")));
      default -> {
        return false;
      }
    }
    return true;
  }
}
