package dev.pharos.catalog;

import dev.pharos.catalog.impl.EndpointIndex;
import dev.pharos.catalog.impl.EtcdSource;
import dev.pharos.catalog.impl.NerveSource;
import dev.pharos.catalog.impl.NesoiSource;
import dev.pharos.catalog.impl.StoreFeed;
import dev.pharos.etcd.EtcdClients;
import dev.pharos.zookeeper.ZooKeeperSessions;
import io.etcd.jetcd.Client;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import org.apache.curator.framework.CuratorFramework;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Every registration a consumer can reach, from every store this node knows: Nerve znodes in
 * ZooKeeper, Nesoi's {@code /srv} hosts, and etcd's {@code /services/} documents. One per
 * process, shared by the stages that serve consumers (the ambassador, DNS): the stores are
 * watched once, and a change costs work for its own service only.
 *
 * <p>When a store cannot be read, its last known endpoints stay (Synapse's
 * {@code use_previous_backends}) and {@link #stores()} says since when.
 */
public final class ConsumerCatalog {

  private static final Logger LOG = LoggerFactory.getLogger(ConsumerCatalog.class);
  /** Problems kept per store; more are counted, not listed. */
  static final int MAX_PROBLEMS = 200;

  /** A store's state: {@code loading} until its first full read, then {@code ready} or {@code unreachable}. */
  public record StoreState(String state, long since, String reason) {
    public JsonObject toJson() {
      return new JsonObject().put("state", state).put("since", since).put("reason", reason);
    }
  }

  private static final class Subscriber {
    final Context context;
    final CatalogListener listener;
    Set<String> pending;

    Subscriber(Context context, CatalogListener listener) {
      this.context = context;
      this.listener = listener;
    }
  }

  private static final Map<Vertx, Shared> SHARED = new HashMap<>();

  private static final class Shared {
    Future<ConsumerCatalog> catalog;
    int users;
  }

  private final EndpointIndex index = new EndpointIndex();
  private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
  private final Map<String, StoreState> stores = new TreeMap<>();
  private final Map<String, Map<String, String>> problems = new TreeMap<>();
  private final Map<String, Integer> unlistedProblems = new TreeMap<>();
  private final List<AutoCloseable> sources = new ArrayList<>();
  private Vertx vertx;
  private CuratorFramework zookeeper;
  private Client etcd;

  private final StoreFeed feed = new StoreFeed() {
    @Override
    public void put(CatalogEndpoint endpoint) {
      tell(index.put(endpoint));
    }

    @Override
    public void remove(String store, String key) {
      String app = index.remove(store, key);
      if (app != null) {
        tell(Set.of(app));
      }
    }

    @Override
    public void problem(String store, String key, String reason) {
      ConsumerCatalog.this.problem(store, key, reason);
    }

    @Override
    public void loaded(String store) {
      state(store, "ready", null);
    }

    @Override
    public void reachable(String store, String reason) {
      StoreState now = state(store);
      if (reason != null) {
        state(store, "unreachable", reason);
      } else if (now != null && now.state().equals("unreachable")) {
        state(store, "ready", null);
      }
    }
  };

  private ConsumerCatalog() {
  }

  /** A catalog that watches no store: fed through {@link #feed()} (tests, and stores fed from elsewhere). */
  public static ConsumerCatalog detached() {
    return new ConsumerCatalog();
  }

  /** Where a store's watcher tells this catalog what it reads. */
  public StoreFeed feed() {
    return feed;
  }

  /**
   * The process's catalog, watching the stores {@code conf} configures: ZooKeeper's Nerve
   * registrations and Nesoi hosts over the process's one Curator client, and etcd's documents
   * when {@code etcd.endpoints} is set. Give it back with {@link #release}.
   */
  public static Future<ConsumerCatalog> acquire(Vertx vertx, JsonObject conf) {
    synchronized (SHARED) {
      Shared shared = SHARED.computeIfAbsent(vertx, v -> new Shared());
      shared.users++;
      if (shared.catalog == null) {
        ConsumerCatalog catalog = new ConsumerCatalog();
        shared.catalog = catalog.start(vertx, conf).map(catalog);
      }
      return shared.catalog;
    }
  }

  /** Gives the catalog back; the last user's release stops its watches. */
  public Future<Void> release() {
    synchronized (SHARED) {
      Shared shared = SHARED.get(vertx);
      if (shared == null || --shared.users > 0) {
        return Future.succeededFuture();
      }
      SHARED.remove(vertx);
    }
    sources.forEach(source -> {
      try {
        source.close();
      } catch (Exception e) {
        LOG.warn("catalog: closing {} failed", source, e);
      }
    });
    if (etcd != null) {
      etcd.close();
    }
    return ZooKeeperSessions.release(vertx, zookeeper);
  }

  private Future<Void> start(Vertx vertx, JsonObject conf) {
    this.vertx = vertx;
    Context context = ((VertxInternal) vertx).createEventLoopContext();
    JsonObject etcdConf = conf.getJsonObject("etcd", new JsonObject());
    if (EtcdClients.configured(etcdConf)) {
      state(CatalogEndpoint.ETCD, "loading", null);
      etcd = EtcdClients.create(vertx, etcdConf);
      EtcdSource source = new EtcdSource(etcd, context, feed);
      sources.add(source);
      context.runOnContext(v -> source.start());
    }
    JsonObject zookeeperConf = conf.getJsonObject("zookeeper", new JsonObject());
    if (zookeeperConf.getString("connect", "").isBlank()) {
      return Future.succeededFuture();
    }
    state(CatalogEndpoint.ZOOKEEPER, "loading", null);
    state(CatalogEndpoint.NESOI, "loading", null);
    return ZooKeeperSessions.acquire(vertx, zookeeperConf).map(client -> {
      zookeeper = client;
      NerveSource nerve = new NerveSource(client, context, feed);
      NesoiSource nesoi = new NesoiSource(client, feed);
      sources.add(nerve);
      sources.add(nesoi);
      nerve.start();
      nesoi.start();
      return null;
    });
  }

  /**
   * Tells {@code listener}, on {@code context}, which apps' endpoints change from now on.
   *
   * @return closing it stops the telling
   */
  public AutoCloseable subscribe(Context context, CatalogListener listener) {
    Subscriber subscriber = new Subscriber(context, listener);
    subscribers.add(subscriber);
    return () -> subscribers.remove(subscriber);
  }

  private void tell(Set<String> apps) {
    if (apps.isEmpty()) {
      return;
    }
    for (Subscriber s : subscribers) {
      boolean schedule;
      synchronized (s) {
        schedule = s.pending == null;
        if (schedule) {
          s.pending = new LinkedHashSet<>();
        }
        s.pending.addAll(apps);
      }
      if (schedule) {
        s.context.runOnContext(v -> {
          Set<String> changed;
          synchronized (s) {
            changed = s.pending;
            s.pending = null;
          }
          if (subscribers.contains(s)) {
            s.listener.changed(changed);
          }
        });
      }
    }
  }

  /**
   * The endpoints of {@code app}, in {@code env} unless null, carrying every tag in
   * {@code tags}; one per address, in the same order for every caller. Safe on any thread.
   */
  public List<CatalogEndpoint> endpoints(String app, String env, Set<String> tags) {
    return index.endpoints(app, env, tags);
  }

  /** True when some app has an endpoint in {@code env}: no walk. Safe on any thread. */
  public boolean hasEnv(String env) {
    return index.hasEnv(env);
  }

  /** Every entry {@code store} gave, before merging: a listing that costs the store's size. */
  public List<CatalogEndpoint> entries(String store) {
    return index.entries(store);
  }

  /** The entries {@code store} gave for {@code app}: it costs that app's entries. */
  public List<CatalogEndpoint> entries(String store, String app) {
    return index.entries(store, app);
  }

  /**
   * How many entries {@code store} gave, by app then env, those at {@code except}'s keys left out:
   * kept counts, so it costs the apps and the keys left out, not the entries.
   */
  public Map<String, Map<String, Integer>> counts(String store, Set<String> except) {
    return index.counts(store, except);
  }

  /** Every app with at least one endpoint. */
  public Set<String> apps() {
    return index.apps();
  }

  /** True once every store it watches has been read in full at least once. */
  public synchronized boolean loaded() {
    return stores.values().stream().noneMatch(s -> s.state().equals("loading"));
  }

  /** Each watched store's state. */
  public synchronized Map<String, StoreState> stores() {
    return Map.copyOf(stores);
  }

  /** Entries that are not endpoints, by {@code "<store> <key>"}, with the reason. */
  public synchronized Map<String, String> problems() {
    Map<String, String> all = new LinkedHashMap<>();
    problems.forEach((store, byKey) -> byKey.forEach((key, reason) -> all.put(store + " " + key, reason)));
    unlistedProblems.forEach((store, n) -> all.put(store + " …", n + " more entries that are not endpoints"));
    return all;
  }

  /** Stores, sizes and problem counts, for a stage's status details. */
  public synchronized JsonObject toJson() {
    JsonObject json = new JsonObject();
    stores.forEach((store, state) -> json.put(store, state.toJson()
      .put("entries", index.sizes().getOrDefault(store, 0))
      .put("problems", problems.getOrDefault(store, Map.of()).size() + unlistedProblems.getOrDefault(store, 0))));
    return json.put("apps", index.appCount());
  }

  private synchronized StoreState state(String store) {
    return stores.get(store);
  }

  private void state(String store, String state, String reason) {
    StoreState before;
    synchronized (this) {
      before = stores.get(store);
      if (before != null && before.state().equals(state) && java.util.Objects.equals(before.reason(), reason)) {
        return;
      }
      if (before != null && before.state().equals("loading") && state.equals("unreachable")) {
        state = "loading"; // not read yet: nothing to keep serving
      }
      stores.put(store, new StoreState(state, System.currentTimeMillis(), reason));
    }
    if (reason != null) {
      LOG.warn("catalog: {} {}: {}", store, state, reason);
    } else if (before != null) {
      LOG.info("catalog: {} {}", store, state);
    }
    for (Subscriber s : subscribers) {
      s.context.runOnContext(v -> {
        if (subscribers.contains(s)) {
          s.listener.changed(Set.of());
        }
      });
    }
  }

  private synchronized void problem(String store, String key, String reason) {
    Map<String, String> byKey = problems.computeIfAbsent(store, k -> new TreeMap<>());
    if (reason == null) {
      byKey.remove(key);
    } else if (byKey.size() < MAX_PROBLEMS || byKey.containsKey(key)) {
      if (!reason.equals(byKey.put(key, reason))) {
        LOG.warn("catalog: {} {}: {}", store, key, reason);
      }
    } else {
      unlistedProblems.merge(store, 1, Integer::sum);
    }
  }
}
