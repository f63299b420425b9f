package dev.pharos.harness.bench;

import dev.pharos.harness.StageMembers;
import dev.pharos.bus.Addresses;
import dev.pharos.harness.Harness;
import dev.pharos.harness.bench.SyntheticHosts.Synthetic;
import dev.pharos.ownership.Member;
import dev.pharos.ownership.Ownership;
import org.apache.curator.framework.CuratorFramework;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Waits for {@link ClusterBench}'s cluster to settle after nodes start or join. Owners are
 * computed from the members in ZooKeeper with Pharos's own {@link Ownership}, so settled means
 * every instance is registered once, by its owner, and watched by its owner.
 */
final class ClusterSettling {

  private final CuratorFramework zk;
  private final SyntheticHosts hosts;
  private final List<Synthetic> load;
  private final RegistrationView view;
  private final StageStatuses statuses;
  private final InstanceFacts facts;

  ClusterSettling(CuratorFramework zk, SyntheticHosts hosts, List<Synthetic> load, RegistrationView view,
                  StageStatuses statuses, InstanceFacts facts) {
    this.zk = zk;
    this.hosts = hosts;
    this.load = load;
    this.view = view;
    this.statuses = statuses;
    this.facts = facts;
  }

  /** Waits until each node has joined the checkers' and the registrars' groups. */
  void awaitMembers(List<NodeProcess> nodes) throws Exception {
    Set<String> names = nodes.stream().map(NodeProcess::name).collect(Collectors.toSet());
    Harness.await(names + " in both groups", Duration.ofSeconds(90), () -> {
      for (NodeProcess n : nodes) {
        if (!n.alive()) {
          throw new IllegalStateException(n.name() + " exited: see " + n.log());
        }
      }
      return StageMembers.sessions(members(Addresses.HEALTH_CHECKER)).keySet().equals(names)
        && StageMembers.sessions(members(Addresses.REGISTRAR)).keySet().equals(names);
    });
  }

  /**
   * Waits until every instance has exactly one znode, held by the session of its owning
   * registrar, and the checkers watch what they own; says how far it is every 5 s. Snapshots are
   * published again after 30 s (a fact published before a node's subscription reached the bench
   * is lost), and said.
   */
  void awaitSettled(List<NodeProcess> nodes) throws Exception {
    long start = System.nanoTime();
    long deadline = start + Duration.ofSeconds(150).toNanos();
    boolean republished = false;
    long said = start;
    String state = "";
    while (System.nanoTime() < deadline) {
      state = unsettled(nodes);
      if (state == null) {
        return;
      }
      long now = System.nanoTime();
      if (now - said > Duration.ofSeconds(5).toNanos()) {
        said = now;
        System.out.printf(Locale.ROOT, "  not settled after %.0f s: %s; %s so far, down facts %s%n",
          (now - start) / 1e9, state, view.churn(), facts.downs());
      }
      if (!republished && now - start > Duration.ofSeconds(30).toNanos()) {
        System.out.println("  publishing the hosts' snapshots again");
        hosts.publishSnapshots();
        republished = true;
      }
      Thread.sleep(250);
    }
    throw new IllegalStateException("the cluster did not settle within 150 s: " + state);
  }

  /** Null when settled, else what is not. */
  private String unsettled(List<NodeProcess> nodes) throws Exception {
    Ownership registrars = members(Addresses.REGISTRAR);
    Ownership checkers = members(Addresses.HEALTH_CHECKER);
    Map<String, List<Long>> owners = view.owners();
    int missing = 0;
    int duplicated = 0;
    int misplaced = 0;
    Map<String, Long> expectedWatches = new LinkedHashMap<>();
    for (Synthetic s : load) {
      List<Long> held = owners.getOrDefault(s.instanceId(), List.of());
      Member owner = registrars.owner(s.hostId(), s.instanceId());
      missing += held.isEmpty() ? 1 : 0;
      duplicated += held.size() > 1 ? 1 : 0;
      misplaced += held.size() == 1 && (owner == null || held.get(0) != owner.session()) ? 1 : 0;
      Member checker = checkers.owner(s.hostId(), s.instanceId());
      expectedWatches.merge(checker == null ? "?" : checker.node(), 1L, Long::sum);
    }
    List<String> watchesOff = new ArrayList<>();
    for (NodeProcess n : nodes) {
      long watches = statuses.sum(n.name(), Addresses.HEALTH_CHECKER, "watches");
      if (watches != expectedWatches.getOrDefault(n.name(), 0L)) {
        watchesOff.add(n.name() + " watches " + watches + " of " + expectedWatches.getOrDefault(n.name(), 0L));
      }
    }
    if (missing + duplicated + misplaced == 0 && watchesOff.isEmpty()) {
      return null;
    }
    return missing + " unregistered, " + duplicated + " registered twice, " + misplaced + " held by another than their owner"
      + (watchesOff.isEmpty() ? "" : ", " + String.join(", ", watchesOff));
  }

  private Ownership members(String stage) throws Exception {
    return StageMembers.of(zk, ClusterBench.GROUP, stage);
  }
}
