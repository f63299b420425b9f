package dev.pharos.health.impl;

import dev.pharos.stage.StageStatus;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Problems with labelled containers (no definition, bad labels, a docker check without a
 * HEALTHCHECK), by subject, as the last reconcile covering each found them, kept on the stage's
 * status. A reconcile of one container, host or app replaces only the problems within it, and reports
 * only what changed: a host with a thousand unconfigured containers costs a container event
 * neither a thousand status updates nor, past the status's bound, a thousand log lines.
 */
public final class ContainerProblems {

  private record Problem(String hostId, String app, String containerId, String reason) {
  }

  private final StageStatus status;
  private final Map<String, Problem> known = new HashMap<>();
  private final Map<String, Set<String>> byHost = new HashMap<>();
  private final Map<String, Set<String>> byApp = new HashMap<>();
  private final Map<String, Set<String>> byContainer = new HashMap<>();
  /** What the reconcile under way found or kept. */
  private final Set<String> round = new HashSet<>();

  public ContainerProblems(StageStatus status) {
    this.status = status;
  }

  /** A reconcile begins: what an earlier one found and never ended (it threw) counts for nothing. */
  public void beginRound() {
    round.clear();
  }

  public boolean has(String subject) {
    return known.containsKey(subject);
  }

  /** The reconcile under way keeps a known problem, unlooked at (a group change moved nothing here). */
  public void keep(String subject) {
    if (known.containsKey(subject)) {
      round.add(subject);
    }
  }

  /** The reconcile under way found this problem: reported when new or when its reason changed. */
  public void found(String subject, String hostId, String app, String containerId, String reason) {
    round.add(subject);
    Problem now = new Problem(hostId, app, containerId, reason);
    Problem before = known.put(subject, now);
    if (now.equals(before)) {
      return;
    }
    if (before != null) {
      unindex(subject, before);
    }
    byHost.computeIfAbsent(hostId, h -> new HashSet<>()).add(subject);
    byApp.computeIfAbsent(app, a -> new HashSet<>()).add(subject);
    byContainer.computeIfAbsent(hostId + "/" + containerId, c -> new HashSet<>()).add(subject);
    status.problem(subject, reason);
  }

  /** Ends a reconcile of {@code scope}: the problems within it that it neither found nor kept are gone. */
  public void endRound(Catalog.Scope scope) {
    Set<String> within = scope.containerId() != null ? byContainer.getOrDefault(scope.hostId() + "/" + scope.containerId(), Set.of())
      : scope.hostId() != null ? byHost.getOrDefault(scope.hostId(), Set.of())
      : scope.app() != null ? byApp.getOrDefault(scope.app(), Set.of()) : known.keySet();
    boolean cleared = false;
    for (String subject : List.copyOf(within)) {
      Problem p = known.get(subject);
      if (!round.contains(subject) && scope.covers(p.hostId(), p.app(), p.containerId())) {
        known.remove(subject);
        unindex(subject, p);
        status.clear(subject);
        cleared = true;
      }
    }
    round.clear();
    if (cleared && status.dropped() > 0) {
      refill();
    }
  }

  /**
   * Past the status's bound, problems were dropped from it, and each is reported only once: as
   * others clear, the known ones the status lost take their room again.
   */
  private void refill() {
    for (Map.Entry<String, Problem> e : known.entrySet()) {
      if (!status.hasRoom()) {
        return;
      }
      if (!status.has(e.getKey())) {
        status.problem(e.getKey(), e.getValue().reason());
      }
    }
  }

  private void unindex(String subject, Problem p) {
    drop(byHost, p.hostId(), subject);
    drop(byApp, p.app(), subject);
    drop(byContainer, p.hostId() + "/" + p.containerId(), subject);
  }

  private static void drop(Map<String, Set<String>> index, String key, String subject) {
    Set<String> subjects = index.get(key);
    if (subjects != null && subjects.remove(subject) && subjects.isEmpty()) {
      index.remove(key);
    }
  }
}
