package dev.pharos.registrar.impl;

import dev.pharos.model.Instance;
import dev.pharos.model.Maintenance;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.curator.framework.CuratorFramework;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A registrar's instances in maintenance: up, but drained from every store while an operator
 * says so, and registered again when taken out. The maintenance znodes themselves
 * ({@link MaintenanceStore}) are shared by every registrar and survive restarts. Used on the
 * registrar's context.
 */
public final class Drains {

  private static final Logger LOG = LoggerFactory.getLogger(Drains.class);

  /** What a drain does to the registrar. */
  public interface Registrar {
    /** The instance it holds now under that id, or null. */
    Instance held(String instanceId);

    void register(Instance instance);

    void deregister(Instance instance);

    void changed(String type, Instance instance, String path);
  }

  private final Registrar registrar;
  private final MaintenanceStore store;
  /** Up instances of this registrar held back because they are in maintenance. */
  private final Map<String, Instance> drained = new HashMap<>();

  public Drains(Context context, CuratorFramework client, Registrar registrar) {
    this.registrar = registrar;
    this.store = new MaintenanceStore(context, client, this::on, this::off);
  }

  public Future<Void> start() {
    return store.start();
  }

  /** True when {@code instance} is in maintenance: it is then kept here and out of the stores. */
  public boolean holdsBack(Instance instance) {
    if (!store.contains(instance.id())) {
      return false;
    }
    drained.put(instance.id(), instance); // registered again when taken out
    if (registrar.held(instance.id()) != null) {
      registrar.deregister(instance);
    }
    return true;
  }

  /** The instance went down or moved away: nothing to register when it is taken out. */
  public void forget(String instanceId) {
    drained.remove(instanceId);
  }

  public void forgetIf(Predicate<Instance> gone) {
    drained.values().removeIf(gone);
  }

  private void on(Maintenance entry) {
    boolean first = !drained.containsKey(entry.instanceId());
    Instance held = registrar.held(entry.instanceId());
    if (held != null) {
      drained.put(entry.instanceId(), held);
      registrar.deregister(held);
    }
    Instance instance = drained.get(entry.instanceId());
    if (first && instance != null) {
      LOG.info("{} is in maintenance: deregistered while its container runs", entry.instanceId());
      registrar.changed("maintenance-on", instance, Maintenance.path(entry.instanceId()));
    }
  }

  private void off(String id) {
    Instance instance = drained.remove(id);
    if (instance != null) {
      LOG.info("{} is out of maintenance: registering it again", id);
      registrar.changed("maintenance-off", instance, Maintenance.path(id));
      registrar.register(instance);
    }
  }

  /** {@code pharos.maintenance}: writes or removes the instance's maintenance znode. */
  public void request(Message<JsonObject> msg) {
    String id = msg.body().getString("id");
    boolean on = msg.body().getBoolean("maintenance", true);
    try {
      Maintenance.path(id);
    } catch (IllegalArgumentException e) {
      msg.fail(400, e.getMessage());
      return;
    }
    if (registrar.held(id) == null && !drained.containsKey(id) && !store.contains(id)) {
      msg.fail(404, "no instance " + id + " is registered or drained here");
      return;
    }
    Maintenance entry = new Maintenance(id, System.currentTimeMillis(), msg.body().getString("reason", ""));
    store.write(entry, on).onSuccess(v -> msg.reply(new JsonObject().put("id", id).put("maintenance", on)))
      .onFailure(err -> msg.fail(503, "ZooKeeper refused the maintenance change: " + err.getMessage()));
  }

  /** {"instance","since","reason"} of each drained instance that {@code filter} passes, for the registrations snapshot. */
  public JsonArray toJson(java.util.function.Predicate<Instance> filter) {
    JsonArray list = new JsonArray();
    drained.forEach((id, instance) -> {
      if (!filter.test(instance)) {
        return;
      }
      Maintenance entry = store.get(id);
      list.add(new JsonObject().put("instance", instance.toJson())
        .put("since", entry == null ? 0L : entry.since()).put("reason", entry == null ? "" : entry.reason()));
    });
    return list;
  }

  public void close() {
    store.close();
  }
}
