package dev.pharos.harness.bench;

import dev.pharos.harness.StageMembers;
import dev.pharos.bus.Addresses;
import dev.pharos.harness.Harness;
import dev.pharos.harness.bench.SyntheticHosts.Synthetic;
import dev.pharos.ownership.Ownership;
import org.apache.curator.framework.CuratorFramework;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What {@link ClusterBench} measures on a settled cluster ({@link ClusterSettling}): the checks
 * the backends get, each node's CPU and memory, the latency of a new registration under load,
 * and the handover after a {@code kill -9}.
 */
final class ClusterMeasures {

  /** What one node did over the window. */
  record NodeFigures(String node, double cores, double rssMib, long watches, long registrations) {
  }

  /**
   * A cluster's figures; {@code overChecked}: instances checked more than once per interval, by
   * half an interval's slack; {@code latencyMs}: each probe's fact to znode, {@code upMs} of which
   * to its checker's "up" fact; {@code settlingDowns}/{@code measuredDowns}: the checkers' "down"
   * facts of healthy instances while the cluster came to this state, and while measured.
   */
  record Phase(int nodes, double checksPerInstance, int unchecked, int overChecked, List<NodeFigures> perNode,
               double[] latencyMs, double[] upMs, long settlingDowns, long measuredDowns) {
  }

  /**
   * From the kill: {@code lastMs} until every instance the node held was registered again by
   * another ({@code firstMs} the first of them); {@code firstUpMs}/{@code lastUpMs} until the new
   * checkers' "up" facts of the {@code movedChecks} of them that the victim also checked; {@code downs}:
   * "down" facts of healthy instances meanwhile.
   */
  record Handover(String node, int held, double firstMs, double lastMs, double lastCreatedMs, int movedChecks,
                  double firstUpMs, double lastUpMs, int duplicates, int missing, long downs) {
  }

  private final ClusterBench.Params params;
  private final CuratorFramework zk;
  private final SyntheticHosts hosts;
  private final Backends backends;
  private final List<Synthetic> load;
  private final RegistrationView view;
  private final StageStatuses statuses;
  private final InstanceFacts ups;

  ClusterMeasures(ClusterBench.Params params, CuratorFramework zk, SyntheticHosts hosts, Backends backends,
                  List<Synthetic> load, RegistrationView view, StageStatuses statuses, InstanceFacts ups) {
    this.params = params;
    this.zk = zk;
    this.hosts = hosts;
    this.backends = backends;
    this.load = load;
    this.view = view;
    this.statuses = statuses;
    this.ups = ups;
  }

  private Ownership members(String stage) throws Exception {
    return StageMembers.of(zk, ClusterBench.GROUP, stage);
  }

  /**
   * The steady load over {@code params.seconds()}, then the probes' registration latency.
   *
   * @param settlingDowns the false "down" facts while the cluster settled, for the record
   */
  Phase measure(List<NodeProcess> nodes, long settlingDowns) throws Exception {
    long downs0 = ups.falseDowns();
    Thread.sleep(3000); // past the rounds of the last moves
    long[] before = backends.counts();
    double[] cpu0 = new double[nodes.size()];
    for (int i = 0; i < nodes.size(); i++) {
      cpu0[i] = nodes.get(i).cpuSeconds();
    }
    long t0 = System.nanoTime();
    Thread.sleep(params.seconds() * 1000L);
    long[] after = backends.counts();
    double elapsed = (System.nanoTime() - t0) / 1e9;
    List<NodeFigures> perNode = new ArrayList<>();
    Map<String, Long> sessions = StageMembers.sessions(members(Addresses.REGISTRAR));
    Map<Long, Long> bySession = view.owners().values().stream().flatMap(List::stream)
      .collect(Collectors.groupingBy(s -> s, Collectors.counting()));
    for (int i = 0; i < nodes.size(); i++) {
      NodeProcess n = nodes.get(i);
      perNode.add(new NodeFigures(n.name(), (n.cpuSeconds() - cpu0[i]) / elapsed, n.rssMib(),
        statuses.sum(n.name(), Addresses.HEALTH_CHECKER, "watches"),
        bySession.getOrDefault(sessions.getOrDefault(n.name(), -1L), 0L)));
    }
    long total = 0;
    int unchecked = 0;
    int overChecked = 0;
    double rounds = elapsed / ClusterBench.INTERVAL_S;
    for (Synthetic s : load) {
      long got = after[s.backend().index()] - before[s.backend().index()];
      total += got;
      unchecked += got == 0 ? 1 : 0;
      overChecked += got > 1.5 * rounds + 1 ? 1 : 0;
    }
    double perInstance = total / (double) load.size() / rounds;
    List<Synthetic> probes = hosts.create(params.probes());
    double[] latency = new double[probes.size()];
    double[] up = new double[probes.size()];
    probe(probes, latency, up);
    return new Phase(nodes.size(), perInstance, unchecked, overChecked, perNode, latency, up, settlingDowns,
      ups.falseDowns() - downs0);
  }

  /** Publishes new containers one at a time; each one's time from its fact to its "up", and to its znode seen. */
  private void probe(List<Synthetic> probes, double[] latency, double[] up) throws Exception {
    long[] published = new long[probes.size()];
    for (int i = 0; i < probes.size(); i++) {
      Synthetic s = probes.get(i);
      published[i] = System.nanoTime();
      hosts.up(s);
      Harness.await("registration of probe " + s.instanceId(), Duration.ofSeconds(30), () -> view.firstCreated(s.instanceId()) != null);
      latency[i] = (view.firstCreated(s.instanceId()) - published[i]) / 1e6;
      Thread.sleep(100); // apart: each meets the steady load, not the previous probe's work
    }
    // gone again, so the next phase has the same load
    probes.forEach(hosts::down);
    Set<String> ids = probes.stream().map(Synthetic::instanceId).collect(Collectors.toSet());
    Harness.await("probes deregistered", Duration.ofSeconds(30), () -> view.owners().keySet().stream().noneMatch(ids::contains));
    // read last: the "up" reaches the bench over the bus, which may be behind the znode's watch
    for (int i = 0; i < probes.size(); i++) {
      Long upAt = ups.firstAfter(probes.get(i).instanceId(), published[i]);
      up[i] = upAt == null ? Double.NaN : (upAt - published[i]) / 1e6;
    }
  }

  /** Kills {@code victim} and times until every instance it held is registered by another node. */
  Handover handover(NodeProcess victim) throws Exception {
    long dead = StageMembers.sessions(members(Addresses.REGISTRAR)).get(victim.name());
    long downs0 = ups.falseDowns();
    List<String> held = view.owners().entrySet().stream().filter(e -> e.getValue().contains(dead))
      .map(Map.Entry::getKey).toList();
    Ownership checkers = members(Addresses.HEALTH_CHECKER);
    Ownership survivors = new Ownership(checkers.members().stream().filter(m -> !m.node().equals(victim.name())).toList());
    Map<String, List<String>> adoptedBy = new java.util.TreeMap<>();
    load.stream().filter(s -> held.contains(s.instanceId())
        && checkers.owner(s.hostId(), s.instanceId()).node().equals(victim.name()))
      .forEach(s -> adoptedBy.computeIfAbsent(survivors.owner(s.hostId(), s.instanceId()).node(), k -> new ArrayList<>())
        .add(s.instanceId()));
    long t0 = System.nanoTime();
    long killedAt = System.currentTimeMillis();
    victim.kill();
    Harness.await("every instance " + victim.name() + " held registered again", Duration.ofSeconds(60),
      () -> held.stream().allMatch(id -> view.createdAfter(id, t0, dead) != null));
    long first = held.stream().mapToLong(id -> view.createdAfter(id, t0, dead)).min().orElse(t0);
    long last = held.stream().mapToLong(id -> view.createdAfter(id, t0, dead)).max().orElse(t0);
    // only the instances whose checker was on the victim too get a new "up"; the others' registrars ask their checker
    long[] upAt = held.stream().map(id -> ups.firstAfter(id, t0)).filter(java.util.Objects::nonNull)
      .mapToLong(Long::longValue).sorted().toArray();
    Long expired = view.lastDeleted(dead);
    System.out.println("handover of " + victim.name() + ": its znodes seen gone (its session expired) " + (expired == null ? "-" : (expired - t0) / 1_000_000)
      + " ms after the kill; its instances' \"up\" facts after the kill: " + ups.upsPublishedAfter(held, killedAt));
    adoptedBy.forEach((node, ids) -> System.out.println("  taken over by the checker of " + node + ": "
      + ups.upsPublishedAfter(ids, killedAt)));
    Thread.sleep(2000); // a reconcile later: still once each?
    Map<String, List<Long>> owners = view.owners();
    int duplicates = (int) load.stream().filter(s -> owners.getOrDefault(s.instanceId(), List.of()).size() > 1).count();
    int missing = (int) load.stream().filter(s -> !owners.containsKey(s.instanceId())).count();
    long lastCreated = held.stream().mapToLong(id -> view.ctimeAfter(id, t0, dead)).max().orElse(killedAt);
    return new Handover(victim.name(), held.size(), (first - t0) / 1e6, (last - t0) / 1e6, lastCreated - killedAt,
      upAt.length, upAt.length == 0 ? 0 : (upAt[0] - t0) / 1e6, upAt.length == 0 ? 0 : (upAt[upAt.length - 1] - t0) / 1e6,
      duplicates, missing, ups.falseDowns() - downs0);
  }
}
