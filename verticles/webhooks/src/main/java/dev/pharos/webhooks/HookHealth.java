package dev.pharos.webhooks;

import dev.pharos.nesoi.DeliveryQueue.Delivery;
import dev.pharos.nesoi.NesoiStore;
import dev.pharos.nesoi.NesoiView;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The leader's account of each web-hook ({@code failing}, {@code dropped}, {@code lastError},
 * {@code queued}), kept in ZooKeeper so that {@code GET .../web-hooks} on any node shows it and a
 * new leader goes on counting. One write per hook in flight; changes made meanwhile are written
 * together after it. Runs on the notifier's context.
 */
final class HookHealth {

  private static final Logger LOG = LoggerFactory.getLogger(HookHealth.class);
  /** More hooks than this are not tracked: names come from clients. */
  private static final int MAX_TRACKED = 100_000;

  private final Vertx vertx;
  private final NesoiStore store;
  private final NesoiView view;
  private final Map<String, JsonObject> states = new HashMap<>();
  private final Set<String> writing = new HashSet<>();
  private final Set<String> dirty = new HashSet<>();

  HookHealth(Vertx vertx, NesoiStore store, NesoiView view) {
    this.vertx = vertx;
    this.store = store;
    this.view = view;
  }

  void delivered(Delivery delivery, int queued) {
    JsonObject state = state(delivery);
    if (state.getBoolean("failing") || state.getInteger("queued") != queued) {
      update(delivery, state.put("failing", false).put("queued", queued));
    }
  }

  void failed(Delivery delivery, String reason, int queued) {
    JsonObject state = state(delivery);
    if (!state.getBoolean("failing") || !reason.equals(state.getString("lastError")) || state.getInteger("queued") != queued) {
      update(delivery, state.put("failing", true).put("lastError", reason).put("queued", queued));
    }
  }

  /** A delivery dropped from a full queue: the hook is failing, whatever its last POST did. @return its drops so far */
  long dropped(Delivery delivery, int queued) {
    JsonObject state = state(delivery);
    long drops = state.getLong("dropped") + 1;
    update(delivery, state.put("failing", true).put("dropped", drops).put("queued", queued));
    return drops;
  }

  void clear() {
    states.clear();
    dirty.clear();
  }

  private static String key(Delivery d) {
    return d.kind() + "/" + d.name() + "/" + d.hook();
  }

  private JsonObject state(Delivery d) {
    if (states.size() > MAX_TRACKED) {
      states.clear(); // bounded; each hook's record comes back from the view
    }
    return states.computeIfAbsent(key(d), k -> {
      JsonObject recorded = view.hookState(d.kind(), d.name(), d.hook()); // a new leader goes on from there
      JsonObject state = new JsonObject().put("failing", false).put("dropped", 0L).putNull("lastError").put("queued", 0);
      return recorded == null ? state : state.mergeIn(recorded);
    });
  }

  private void update(Delivery d, JsonObject state) {
    String key = key(d);
    if (!writing.add(key)) {
      dirty.add(key);
      return;
    }
    JsonObject snapshot = state.copy();
    vertx.executeBlocking(() -> {
      store.putHookState(d.kind(), d.name(), d.hook(), snapshot);
      return null;
    }, false).onComplete(ar -> {
      writing.remove(key);
      if (ar.failed()) {
        LOG.warn("could not record the state of web-hook {}: {}", key, ar.cause().getMessage());
      }
      if (dirty.remove(key) && states.containsKey(key)) {
        update(d, states.get(key));
      }
    });
  }
}
