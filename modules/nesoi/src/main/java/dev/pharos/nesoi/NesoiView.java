package dev.pharos.nesoi;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import java.util.function.Predicate;

/**
 * This node's copy of Nesoi's resources, followed from the process's one Curator cache of
 * {@code /nesoi} ({@link NesoiCache}) and read on the owning verticle's context, so a GET costs no ZooKeeper round trip. A write waits
 * until the copy has it ({@link #awaitPath}), so a client reads its own writes on the node it
 * wrote through.
 */
public final class NesoiView implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(NesoiView.class);

  private final CuratorFramework client;
  private final CuratorCacheListener listener;
  private NesoiCache cache;
  private NesoiCache.Following following;
  private final Map<String, JsonObject> apps = new TreeMap<>();
  private final Map<String, Map<String, JsonObject>> services = new TreeMap<>();
  /** Web-hooks by {@code kind/name}, then by hook name. */
  private final Map<String, Map<String, JsonObject>> hooks = new HashMap<>();
  /** The notifier's account of each web-hook, by {@code kind/name}, then by hook name. */
  private final Map<String, Map<String, JsonObject>> hookStates = new HashMap<>();
  private final Map<String, byte[]> raw = new HashMap<>();
  private final List<Waiter> waiters = new ArrayList<>();
  private final Promise<Void> initialized = Promise.promise();
  private long version;
  private volatile Runnable onChangeRecord;

  /** How long a write waits for this copy to show it, and how many writes may wait at once, by default. */
  public static final long AWAIT_TIMEOUT_MS = 10_000;
  public static final int MAX_WAITERS = 10_000;

  private record Waiter(String path, Predicate<byte[]> satisfied, Promise<Void> promise, long timer) {
  }

  private final Context context;
  private final long awaitTimeoutMs;
  private final int maxWaiters;

  public NesoiView(CuratorFramework client, Context context) {
    this(client, context, AWAIT_TIMEOUT_MS, MAX_WAITERS);
  }

  /**
   * @param awaitTimeoutMs how long {@link #awaitPath} waits before it fails (a lost session or a
   *                       stalled cache must not hold a client's answer forever)
   * @param maxWaiters     how many {@link #awaitPath} may wait at once; more fail at once
   */
  public NesoiView(CuratorFramework client, Context context, long awaitTimeoutMs, int maxWaiters) {
    this.client = client;
    this.context = context;
    this.awaitTimeoutMs = awaitTimeoutMs;
    this.maxWaiters = maxWaiters;
    listener = CuratorCacheListener.builder()
      .forCreatesAndChanges((before, node) -> changed(node.getPath(), node.getData()))
      .forDeletes(node -> changed(node.getPath(), null))
      .forInitialized(() -> initialized.tryComplete())
      .build();
  }

  /** Follows the process's cache of {@code /nesoi} (blocking: its first user starts it); the future completes once it has loaded. */
  public Future<Void> start() {
    Executor onContext = task -> context.runOnContext(v -> task.run());
    cache = NesoiCache.acquire(client);
    following = cache.listen(listener, onContext);
    return initialized.future();
  }

  @Override
  public void close() {
    if (cache == null) {
      return;
    }
    following.close();
    cache.release();
    cache = null;
  }

  /** Runs (on the view's context) whenever a change record is written: the notifier's cue to fan out. */
  public void onChangeRecord(Runnable action) {
    this.onChangeRecord = action;
  }

  /** Grows with every resource change this copy sees: what a rendered answer can be cached against. */
  public long version() {
    return version;
  }

  public Map<String, JsonObject> apps() {
    return apps;
  }

  public JsonObject app(String name) {
    return apps.get(name);
  }

  /** Every service's hosts, by service then host name (live: read it on the view's context). */
  public Map<String, Map<String, JsonObject>> services() {
    return java.util.Collections.unmodifiableMap(services);
  }

  /** The hosts of a service, by host name; empty when none. */
  public Map<String, JsonObject> hosts(String service) {
    return services.getOrDefault(service, Map.of());
  }

  /** Every web-hook, by {@code kind/name} then hook name, copied: safe to hand to another thread. */
  public Map<String, Map<String, JsonObject>> allHooks() {
    Map<String, Map<String, JsonObject>> copy = new HashMap<>();
    hooks.forEach((key, byName) -> copy.put(key, Map.copyOf(byName)));
    return copy;
  }

  public Map<String, JsonObject> hooks(String kind, String name) {
    return hooks.getOrDefault(kind + "/" + name, Map.of());
  }

  /** What the notifier last recorded of a hook ({@code failing}, {@code dropped}, {@code lastError}), or null. */
  public JsonObject hookState(String kind, String name, String hook) {
    return hookStates.getOrDefault(kind + "/" + name, Map.of()).get(hook);
  }

  /**
   * Completes when this copy holds {@code data} at {@code path} (null: holds nothing there); fails
   * after the view's timeout, or at once when too many wait already. Call it on the view's context.
   */
  public Future<Void> awaitPath(String path, byte[] data) {
    Predicate<byte[]> satisfied = now -> data == null ? now == null : Arrays.equals(now, data);
    if (satisfied.test(raw.get(path))) {
      return Future.succeededFuture();
    }
    if (waiters.size() >= maxWaiters) {
      return Future.failedFuture(new IllegalStateException(maxWaiters + " writes already wait for this node's copy of "
        + NesoiStore.ROOT + "; " + path + " is not waited for"));
    }
    Promise<Void> promise = Promise.promise();
    Waiter[] self = new Waiter[1];
    long timer = context.owner().setTimer(awaitTimeoutMs, t -> {
      if (waiters.remove(self[0])) {
        promise.tryFail(new IllegalStateException("this node's copy of " + NesoiStore.ROOT + " did not show the write of "
          + path + " within " + awaitTimeoutMs + " ms"));
      }
    });
    self[0] = new Waiter(path, satisfied, promise, timer);
    waiters.add(self[0]);
    return promise.future();
  }

  private void changed(String path, byte[] data) {
    if (path.startsWith(NesoiStore.CHANGES + "/")) {
      if (data != null && onChangeRecord != null) {
        onChangeRecord.run();
      }
      return; // the notifier's work, not a resource: no version bump, nothing kept
    }
    if (path.startsWith(DeliveryQueue.DELIVERIES)) {
      return;
    }
    if (path.startsWith(NesoiStore.HOOK_STATE + "/")) {
      hookState(path, data); // operational, not a resource: no version bump
      return;
    }
    version++;
    if (data == null) {
      raw.remove(path);
    } else {
      raw.put(path, data);
    }
    String[] parts = path.substring(NesoiStore.ROOT.length()).split("/");
    // "", kind, ...
    try {
      if (parts.length == 3 && parts[1].equals("app")) {
        put(apps, parts[2], data);
      } else if (parts.length == 4 && parts[1].equals("srv")) {
        put(services.computeIfAbsent(parts[2], k -> new TreeMap<>()), parts[3], data);
        if (services.get(parts[2]).isEmpty()) {
          services.remove(parts[2]);
        }
      } else if (parts.length == 5 && parts[1].equals("hooks")) {
        String key = parts[2] + "/" + parts[3];
        put(hooks.computeIfAbsent(key, k -> new TreeMap<>()), parts[4], data);
        if (hooks.get(key).isEmpty()) {
          hooks.remove(key);
        }
      }
    } catch (RuntimeException e) {
      LOG.warn("ignoring {}: not a JSON object ({})", path, e.getMessage());
    }
    waiters.removeIf(w -> {
      if (w.path.equals(path) && w.satisfied.test(data)) {
        context.owner().cancelTimer(w.timer);
        w.promise.complete();
        return true;
      }
      return false;
    });
  }

  private void hookState(String path, byte[] data) {
    String[] parts = path.substring(NesoiStore.HOOK_STATE.length()).split("/");
    if (parts.length != 4) {
      return; // "", kind, name, hook
    }
    String key = parts[1] + "/" + parts[2];
    try {
      put(hookStates.computeIfAbsent(key, k -> new HashMap<>()), parts[3], data);
    } catch (RuntimeException e) {
      LOG.warn("ignoring {}: not a JSON object ({})", path, e.getMessage());
    }
    if (hookStates.get(key).isEmpty()) {
      hookStates.remove(key);
    }
  }

  private static void put(Map<String, JsonObject> map, String key, byte[] data) {
    if (data == null) {
      map.remove(key);
    } else if (data.length > 0) {
      map.put(key, Buffer.buffer(data).toJsonObject());
    }
  }
}
