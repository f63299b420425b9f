package dev.pharos.health.impl;

import dev.pharos.bus.ContainerFacts;
import dev.pharos.checks.ContainerHealth;
import dev.pharos.model.Container;
import dev.pharos.model.Definition;
import dev.pharos.model.Host;
import dev.pharos.model.Instance;
import dev.pharos.model.InstanceResolver;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiConsumer;

/**
 * What a health checker knows of the cluster: every host's containers and every definition,
 * from the watchers' facts and snapshots. Applying a fact tells which part of the registry it can
 * have changed ({@link Scope}), so the checker re-joins only that part.
 */
public final class Catalog {

  /**
   * What a fact can change: one container (its up or down), the containers of one host (its
   * watcher's snapshot), the instances of one app (a definition fact), or everything (the group
   * changed).
   *
   * @param hostId      null for every host
   * @param app         {@code env/app}, null for every app
   * @param containerId one container of {@code hostId}, null for all of them (an up or down fact's
   *                    host record is applied to its own container only: a watcher publishes a
   *                    changed host, a new {@code docker.network} say, in the snapshot it
   *                    starts with)
   */
  public record Scope(String hostId, String app, String containerId) {
    public static final Scope ALL = new Scope(null, null);

    public Scope(String hostId, String app) {
      this(hostId, app, null);
    }

    public boolean covers(String hostId, String app) {
      return (this.hostId == null || this.hostId.equals(hostId)) && (this.app == null || this.app.equals(app));
    }

    public boolean covers(String hostId, String app, String containerId) {
      return covers(hostId, app) && (this.containerId == null || this.containerId.equals(containerId));
    }
  }

  /**
   * What applying a fact did.
   *
   * @param scope    what to re-join, or null when nothing needs it
   * @param snapshot the fact was a host's whole snapshot
   * @param unknown  the fact's type is not one this checker knows (nothing changed)
   */
  public record Applied(Scope scope, boolean snapshot, boolean unknown) {
  }

  /** Containers by host id, then container id; hosts by id. */
  private final Map<String, Map<String, Container>> containers = new HashMap<>();
  private final Map<String, Host> hosts = new HashMap<>();
  /** Hosts whose docker watcher sent a whole snapshot: only for those is a missing instance known gone. */
  private final Set<String> snapshotted = new HashSet<>();
  private final Map<String, Definition> definitions = new TreeMap<>();
  /** A container on a host: ids are unique per dockerd, and one dockerd may be watched as two hosts. */
  private record Placed(String hostId, String containerId) {
  }

  /** Labelled containers by the {@code env/app} they name. */
  private final Map<String, Set<Placed>> byApp = new HashMap<>();

  /** The {@code env/app} a container's labels name. */
  public static String appOf(Container container) {
    return container.labels().get(Container.LABEL_ENV) + "/" + container.labels().get(Container.LABEL_NAME);
  }

  public Applied applyContainers(JsonObject fact) {
    Host host = Host.fromJson(fact.getJsonObject("host"));
    hosts.put(host.id(), host);
    Map<String, Container> ofHost = containers.computeIfAbsent(host.id(), k -> new HashMap<>());
    String type = fact.getString("type", "");
    // the containers the fact can change: all of the host's for a snapshot, else the one it names
    List<String> touched = switch (type) {
      case "snapshot" -> List.copyOf(ofHost.keySet());
      case "up", "down" -> List.of(fact.getJsonObject("container", new JsonObject()).getString("id", ""));
      default -> List.of();
    };
    touched.forEach(id -> unindex(host.id(), ofHost.get(id)));
    boolean known = ContainerFacts.apply(fact, ofHost);
    if ("snapshot".equals(type)) {
      ofHost.values().forEach(c -> index(host.id(), c));
    } else {
      touched.forEach(id -> index(host.id(), ofHost.get(id)));
    }
    if (!known) {
      return new Applied(null, false, true);
    }
    if ("health".equals(type)) {
      return new Applied(null, false, false); // read by the instance's docker check on its next round
    }
    boolean snapshot = "snapshot".equals(type);
    if (snapshot) {
      snapshotted.add(host.id());
      return new Applied(new Scope(host.id(), null), true, false);
    }
    // an up or down changes its own container only: its instance, not its host's others
    return new Applied(new Scope(host.id(), null, touched.get(0)), false, false);
  }

  public Applied applyDefinition(JsonObject fact) {
    switch (fact.getString("type", "")) {
      case "put" -> {
        Definition definition = Definition.fromJson(fact.getJsonObject("definition"));
        putDefinition(definition);
        return new Applied(new Scope(null, definition.key()), false, false);
      }
      case "delete" -> {
        String key = fact.getString("env") + "/" + fact.getString("app");
        Definition known = definitions.get(key);
        if (known != null && known.version() <= fact.getLong("version", Long.MAX_VALUE)) {
          definitions.remove(key);
        }
        return new Applied(new Scope(null, key), false, false);
      }
      default -> {
        return new Applied(null, false, true);
      }
    }
  }

  private void index(String hostId, Container container) {
    if (container != null && container.isLabelled()) {
      byApp.computeIfAbsent(appOf(container), k -> new HashSet<>()).add(new Placed(hostId, container.id()));
    }
  }

  private void unindex(String hostId, Container container) {
    if (container == null || !container.isLabelled()) {
      return;
    }
    Set<Placed> ofApp = byApp.get(appOf(container));
    if (ofApp != null && ofApp.remove(new Placed(hostId, container.id())) && ofApp.isEmpty()) {
      byApp.remove(appOf(container));
    }
  }

  /**
   * Calls {@code action} with each labelled container within {@code scope} and its host: one
   * host's containers, or one app's through the index, not every container of every host.
   */
  public void forEachLabelled(Scope scope, BiConsumer<Host, Container> action) {
    if (scope.containerId() != null) {
      Container container = containers.getOrDefault(scope.hostId(), Map.of()).get(scope.containerId());
      if (container != null && container.isLabelled() && scope.covers(scope.hostId(), appOf(container))) {
        action.accept(hosts.get(scope.hostId()), container);
      }
      return;
    }
    if (scope.hostId() == null && scope.app() != null) {
      for (Placed p : List.copyOf(byApp.getOrDefault(scope.app(), Set.of()))) {
        action.accept(hosts.get(p.hostId()), containers.get(p.hostId()).get(p.containerId()));
      }
      return;
    }
    for (Map.Entry<String, Map<String, Container>> ofHost : containers.entrySet()) {
      if (scope.hostId() != null && !scope.hostId().equals(ofHost.getKey())) {
        continue;
      }
      Host host = hosts.get(ofHost.getKey());
      for (Container container : List.copyOf(ofHost.getValue().values())) {
        if (container.isLabelled() && scope.covers(host.id(), appOf(container))) {
          action.accept(host, container);
        }
      }
    }
  }

  /**
   * A labelled container joined with its definition.
   *
   * @param instance null when it cannot be watched
   * @param problem  why not, or what keeps it from passing (a docker check without a HEALTHCHECK); null if none
   */
  public record Resolved(Instance instance, String problem) {
  }

  public Resolved resolve(Host host, Container container) {
    InstanceResolver.Resolution labels = InstanceResolver.labelProblem(container);
    if (labels != null) {
      return new Resolved(null, labels.problem());
    }
    String env = container.labels().get(Container.LABEL_ENV);
    String app = container.labels().get(Container.LABEL_NAME);
    Definition definition = definition(env + "/" + app);
    if (definition == null) {
      return new Resolved(null, "no definition at " + Definition.path(env, app));
    }
    InstanceResolver.Resolution resolution = InstanceResolver.resolve(host, container, definition);
    if (resolution.instance() != null && container.health() == null
      && definition.checks().stream().anyMatch(c -> "docker".equals(c.type()))) {
      return new Resolved(resolution.instance(), "has no HEALTHCHECK, so the docker check of " + definition.path() + " cannot pass");
    }
    return new Resolved(resolution.instance(), resolution.instance() == null ? resolution.problem() : null);
  }

  /** Keeps the newer of the known and the given version. */
  public void putDefinition(Definition definition) {
    Definition known = definitions.get(definition.key());
    if (known == null || known.version() < definition.version()) {
      definitions.put(definition.key(), definition);
    }
  }

  /** The definition of {@code env/app}, or null. */
  public Definition definition(String app) {
    return definitions.get(app);
  }

  /** Containers by host id, then container id: to iterate, not to change. */
  public Map<String, Map<String, Container>> containers() {
    return containers;
  }

  public Host host(String id) {
    return hosts.get(id);
  }

  public boolean snapshotted(String hostId) {
    return snapshotted.contains(hostId);
  }

  /** The instance's container is still running here (known from its host's facts). */
  public boolean hasContainer(Instance instance) {
    Map<String, Container> ofHost = containers.get(instance.hostId());
    return ofHost != null && ofHost.containsKey(instance.containerId());
  }

  /** Docker's last verdict on the instance's container, for its {@code docker} checks. */
  public String health(Instance instance) {
    Map<String, Container> ofHost = containers.get(instance.hostId());
    Container container = ofHost == null ? null : ofHost.get(instance.containerId());
    return container == null ? null : container.health() == null ? ContainerHealth.NONE : container.health();
  }
}
