package dev.pharos.health.impl;

import dev.pharos.model.Instance;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A checker's watches by instance id, indexed by host, by {@code env/app} and by container, so
 * a fact about one host, one app or one container finds its watches without walking the others;
 * and the counts of those up and of those without a first result, kept rather than recounted.
 */
public final class Watches {

  private final Map<String, ServiceWatch> byId = new HashMap<>();
  private final Map<String, Set<String>> byHost = new HashMap<>();
  private final Map<String, Set<String>> byApp = new HashMap<>();
  private final Map<String, Set<String>> byContainer = new HashMap<>();
  private final Set<String> up = new HashSet<>();
  /** Watches without a first result yet. */
  private final Set<String> undecided = new HashSet<>();

  private static String app(Instance i) {
    return i.env() + "/" + i.app();
  }

  private static String container(String hostId, String containerId) {
    return hostId + "/" + containerId;
  }

  public ServiceWatch get(String id) {
    return byId.get(id);
  }

  public void put(ServiceWatch watch) {
    Instance i = watch.instance();
    ServiceWatch before = byId.put(i.id(), watch);
    if (before != null) {
      unindex(before.instance());
    }
    byHost.computeIfAbsent(i.hostId(), k -> new HashSet<>()).add(i.id());
    byApp.computeIfAbsent(app(i), k -> new HashSet<>()).add(i.id());
    byContainer.computeIfAbsent(container(i.hostId(), i.containerId()), k -> new HashSet<>()).add(i.id());
    up.remove(i.id());
    undecided.add(i.id());
  }

  /** Removes the watch of {@code id} (not stopping it). @return it, or null */
  public ServiceWatch remove(String id) {
    ServiceWatch gone = byId.remove(id);
    if (gone != null) {
      unindex(gone.instance());
      up.remove(id);
      undecided.remove(id);
    }
    return gone;
  }

  private void unindex(Instance i) {
    drop(byHost, i.hostId(), i.id());
    drop(byApp, app(i), i.id());
    drop(byContainer, container(i.hostId(), i.containerId()), i.id());
  }

  private static void drop(Map<String, Set<String>> index, String key, String id) {
    Set<String> ids = index.get(key);
    if (ids != null && ids.remove(id) && ids.isEmpty()) {
      index.remove(key);
    }
  }

  /** The ids of the watches within {@code scope}: a copy, safe to change the watches while walking it. */
  public List<String> in(Catalog.Scope scope) {
    if (scope.hostId() == null && scope.app() == null) {
      return List.copyOf(byId.keySet());
    }
    if (scope.containerId() != null) {
      return byContainer.getOrDefault(container(scope.hostId(), scope.containerId()), Set.of()).stream()
        .filter(id -> scope.app() == null || byApp.getOrDefault(scope.app(), Set.of()).contains(id)).toList();
    }
    Set<String> ids = scope.hostId() != null ? byHost.getOrDefault(scope.hostId(), Set.of())
      : byApp.getOrDefault(scope.app(), Set.of());
    if (scope.hostId() != null && scope.app() != null) {
      return ids.stream().filter(id -> byApp.getOrDefault(scope.app(), Set.of()).contains(id)).toList();
    }
    return List.copyOf(ids);
  }

  /** Records the watch's latest result. */
  public void result(String id, boolean isUp) {
    undecided.remove(id);
    if (isUp) {
      up.add(id);
    } else {
      up.remove(id);
    }
  }

  /** Whether every watch has its first result: kept, so a checker's readiness costs nothing to tell. */
  public boolean allDecided() {
    return undecided.isEmpty();
  }

  public int upCount() {
    return up.size();
  }

  public int size() {
    return byId.size();
  }

  public Collection<ServiceWatch> values() {
    return byId.values();
  }

  public void clear() {
    byId.clear();
    byHost.clear();
    byApp.clear();
    byContainer.clear();
    up.clear();
    undecided.clear();
  }
}
