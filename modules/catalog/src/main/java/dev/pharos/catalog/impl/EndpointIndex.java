package dev.pharos.catalog.impl;

import dev.pharos.catalog.CatalogEndpoint;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The endpoints of every store, by app. Writers (the stores' watchers, on their own threads)
 * take the lock; a change rebuilds only its app's list, which readers on any thread get without
 * a lock. The same address in one env from several stores (Pharos writes a registration to
 * ZooKeeper and etcd both) is one endpoint: the first store's fields in {@link #PRECEDENCE}, the
 * tags of all.
 */
public final class EndpointIndex {

  static final List<String> PRECEDENCE = List.of(CatalogEndpoint.ZOOKEEPER, CatalogEndpoint.NESOI, CatalogEndpoint.ETCD);

  /** What the writers keep of one app: every store's entry, by store then key. */
  private static final class App {
    final Map<String, Map<String, CatalogEndpoint>> byStore = new HashMap<>();
    /** Entries by store then env, kept with each put and remove, so counting a store costs its apps. */
    final Map<String, Map<String, Integer>> envsByStore = new HashMap<>();
    int size;

    void count(CatalogEndpoint endpoint, int delta) {
      adjust(envsByStore, endpoint.store(), endpoint.env(), delta);
    }
  }

  private final Map<String, App> apps = new HashMap<>();
  /** Store and key to app, so a delete by key finds its app. */
  private final Map<String, String> appOfKey = new HashMap<>();
  private final Map<String, List<CatalogEndpoint>> published = new ConcurrentHashMap<>();
  private final Map<String, Integer> storeSizes = new TreeMap<>();
  /** Published endpoints per env, kept with each publish, so whether an env exists costs no walk. */
  private final Map<String, Integer> envEndpoints = new ConcurrentHashMap<>();
  private int size;

  /** Adds or replaces the endpoint at its store and key. @return the apps whose list changed */
  public synchronized Set<String> put(CatalogEndpoint endpoint) {
    Set<String> changed = new LinkedHashSet<>(2);
    String id = id(endpoint.store(), endpoint.key());
    String before = appOfKey.put(id, endpoint.app());
    if (before != null && !before.equals(endpoint.app())) {
      removeFrom(before, endpoint.store(), endpoint.key());
      changed.add(before);
    }
    App app = apps.computeIfAbsent(endpoint.app(), k -> new App());
    CatalogEndpoint old = app.byStore.computeIfAbsent(endpoint.store(), k -> new TreeMap<>()).put(endpoint.key(), endpoint);
    if (old == null) {
      app.size++;
      size++;
      storeSizes.merge(endpoint.store(), 1, Integer::sum);
    } else {
      app.count(old, -1);
    }
    app.count(endpoint, 1);
    if (!endpoint.equals(old)) {
      publish(endpoint.app(), app);
      changed.add(endpoint.app());
    }
    return changed;
  }

  /** Removes the endpoint at the store's key. @return the app whose list changed, or null */
  public synchronized String remove(String store, String key) {
    String app = appOfKey.remove(id(store, key));
    if (app == null) {
      return null;
    }
    removeFrom(app, store, key);
    return app;
  }

  private void removeFrom(String appName, String store, String key) {
    App app = apps.get(appName);
    Map<String, CatalogEndpoint> entries = app == null ? null : app.byStore.get(store);
    CatalogEndpoint gone = entries == null ? null : entries.remove(key);
    if (gone == null) {
      return;
    }
    app.count(gone, -1);
    app.size--;
    size--;
    storeSizes.merge(store, -1, Integer::sum);
    if (app.size == 0) {
      apps.remove(appName);
      published(appName, null);
    } else {
      publish(appName, app);
    }
  }

  private static String id(String store, String key) {
    return store + "\u0000" + key;
  }

  private void publish(String appName, App app) {
    Map<String, CatalogEndpoint> merged = new LinkedHashMap<>();
    for (String store : PRECEDENCE) {
      Map<String, CatalogEndpoint> entries = app.byStore.get(store);
      if (entries == null) {
        continue;
      }
      for (CatalogEndpoint e : entries.values()) {
        merged.merge(e.env() + "\u0000" + e.address(), e, (first, later) -> {
          Set<String> tags = new LinkedHashSet<>(first.tags());
          tags.addAll(later.tags());
          return tags.size() == first.tags().size() ? first : new CatalogEndpoint(first.store(), first.key(), first.env(),
            first.app(), first.host(), first.port(), tags, first.weight(), first.backup());
        });
      }
    }
    published(appName, List.copyOf(merged.values()));
  }

  /** {@code now} replaces the app's published list (null: the app has none left). */
  private void published(String appName, List<CatalogEndpoint> now) {
    List<CatalogEndpoint> before = now == null ? published.remove(appName) : published.put(appName, now);
    if (before != null) {
      before.forEach(e -> envEndpoints.computeIfPresent(e.env(), (env, n) -> n == 1 ? null : n - 1));
    }
    if (now != null) {
      now.forEach(e -> envEndpoints.merge(e.env(), 1, Integer::sum));
    }
  }

  /** True when some app has an endpoint in {@code env}. Safe on any thread. */
  public boolean hasEnv(String env) {
    return envEndpoints.containsKey(env);
  }

  /**
   * The endpoints of {@code app}, in {@code env} unless it is null, with every tag of
   * {@code tags}: one per address and env, ZooKeeper's first, then Nesoi's, then etcd's, each
   * store's in key order, so every reader sees the same order.
   */
  public List<CatalogEndpoint> endpoints(String app, String env, Set<String> tags) {
    List<CatalogEndpoint> all = published.get(app);
    if (all == null) {
      return List.of();
    }
    if (env == null && tags.isEmpty()) {
      return all;
    }
    List<CatalogEndpoint> matching = new ArrayList<>(all.size());
    for (CatalogEndpoint e : all) {
      if ((env == null || env.equals(e.env())) && e.tagged(tags)) {
        matching.add(e);
      }
    }
    return matching;
  }

  /** Every entry one store gave, by app then key, before merging (a listing: it costs the store's size). */
  public synchronized List<CatalogEndpoint> entries(String store) {
    List<CatalogEndpoint> all = new ArrayList<>();
    new TreeMap<>(apps).values().forEach(app -> all.addAll(app.byStore.getOrDefault(store, Map.of()).values()));
    return all;
  }

  /** The entries one store gave for {@code app}, in key order: it costs that app's entries of the store. */
  public synchronized List<CatalogEndpoint> entries(String store, String app) {
    App found = apps.get(app);
    Map<String, CatalogEndpoint> entries = found == null ? null : found.byStore.get(store);
    return entries == null ? List.of() : List.copyOf(entries.values());
  }

  /**
   * How many entries one store gave, by app then env, those at {@code except}'s keys left out;
   * copied under the lock, so the counts and the keys left out are of one moment. It costs the
   * apps that have some and the keys left out, not the entries.
   */
  public synchronized Map<String, Map<String, Integer>> counts(String store, Set<String> except) {
    Map<String, Map<String, Integer>> counts = new TreeMap<>();
    apps.forEach((name, app) -> {
      Map<String, Integer> envs = app.envsByStore.get(store);
      if (envs != null) {
        counts.put(name, new TreeMap<>(envs));
      }
    });
    for (String key : except) {
      String appName = appOfKey.get(id(store, key));
      CatalogEndpoint e = appName == null ? null : apps.get(appName).byStore.getOrDefault(store, Map.of()).get(key);
      if (e != null) {
        adjust(counts, appName, e.env(), -1);
      }
    }
    return counts;
  }

  /** Adds {@code delta} to {@code nested[outer][env]}, dropping a count that reaches 0 and an outer key left empty. */
  private static void adjust(Map<String, Map<String, Integer>> nested, String outer, String env, int delta) {
    Map<String, Integer> envs = nested.computeIfAbsent(outer, k -> new TreeMap<>());
    if (envs.merge(env, delta, Integer::sum) == 0) {
      envs.remove(env);
    }
    if (envs.isEmpty()) {
      nested.remove(outer);
    }
  }

  /** Every app with at least one endpoint. */
  public Set<String> apps() {
    return Set.copyOf(published.keySet());
  }

  /** How many apps have endpoints: without a copy, so a status may show it on every change. */
  public int appCount() {
    return published.size();
  }

  /** How many store entries there are (before merging the same address of several stores). */
  public synchronized int size() {
    return size;
  }

  /** How many entries each store has. */
  public synchronized Map<String, Integer> sizes() {
    return Map.copyOf(storeSizes);
  }
}
