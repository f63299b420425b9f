package dev.pharos.api.impl;

import dev.pharos.bus.Addresses;
import dev.pharos.model.Instance;
import dev.pharos.nesoi.NesoiDocuments;
import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.TreeMap;

/**
 * The instances the Docker pipeline registered, as Nesoi hosts under {@code /srv/{app}}:
 * {@code {"name":<instance id>,"endpoints":{"tcp":"host:port"},"updated_at","source":"docker","env"}}.
 * Follows the registrar's ZooKeeper facts on {@link Addresses#CHANGES}, after its snapshot.
 */
public final class RegisteredInstances {

  private final Map<String, Map<String, JsonObject>> byApp = new TreeMap<>();
  private long version;

  /** Grows with every change. */
  public long version() {
    return version;
  }

  /** Live: the routes read it as it changes. */
  public Map<String, Map<String, JsonObject>> byApp() {
    return byApp;
  }

  public void apply(JsonObject change) {
    if (!"zookeeper".equals(change.getString("store")) || change.getJsonObject("instance") == null) {
      return;
    }
    version++;
    Instance instance = Instance.fromJson(change.getJsonObject("instance"));
    switch (change.getString("type", "")) {
      case "registered" -> put(instance, change.getLong("ts", System.currentTimeMillis()));
      case "deregistered" -> {
        Map<String, JsonObject> hosts = byApp.get(instance.app());
        if (hosts != null) {
          hosts.remove(instance.id());
          if (hosts.isEmpty()) {
            byApp.remove(instance.app());
          }
        }
      }
      default -> {
      }
    }
  }

  private void put(Instance instance, long ts) {
    version++;
    String at = NesoiDocuments.updatedAt(ts);
    byApp.computeIfAbsent(instance.app(), k -> new TreeMap<>()).put(instance.id(), new JsonObject()
      .put("name", instance.id())
      .put("endpoints", new JsonObject().put("tcp", instance.host() + ":" + instance.port()))
      .put("updated_at", at)
      .put("source", "docker")
      .put("env", instance.env()));
  }

  /** Fills in what one registrar holds now (its registrations snapshot). */
  public void fill(JsonObject snapshot) {
    long now = System.currentTimeMillis();
    snapshot.getJsonArray("registrations").forEach(r -> put(Instance.fromJson(((JsonObject) r).getJsonObject("instance")), now));
  }
}
