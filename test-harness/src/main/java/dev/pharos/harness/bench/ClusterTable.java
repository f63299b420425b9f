package dev.pharos.harness.bench;

import dev.pharos.harness.bench.ClusterMeasures.Handover;
import dev.pharos.harness.bench.ClusterMeasures.NodeFigures;
import dev.pharos.harness.bench.ClusterMeasures.Phase;

import java.util.Arrays;
import java.util.Locale;
import java.util.function.Function;
import java.util.stream.Collectors;

/** {@link ClusterBench}'s markdown table: one column for the single node, one for the cluster. */
final class ClusterTable {

  private ClusterTable() {
  }

  static String format(ClusterBench.Params p, Phase single, Phase cluster, Handover handover) {
    StringBuilder out = new StringBuilder(String.format(Locale.ROOT, """
      Cluster of Pharos nodes, each a process of its own (java @deploy/jvm.options -jar) running definition-watcher, health-checker and \
      registrar (node-1 also the api); %d instances on %d synthetic Docker hosts (%d apps, http check every 1 s, \
      one backend per instance on the host's loopback address), %d s measured per column; registration latency \
      over %d containers published one at a time under that load; zookeeper.sessionTimeoutMs %d. \
      Per-node cells read node-1 / node-2 / ...

      | | 1 node | %d nodes |
      |---|---:|---:|
      """, p.instances(), p.hosts(), ClusterBench.APPS, p.seconds(), p.probes(), ClusterBench.SESSION_TIMEOUT_MS, cluster.nodes()));
    row(out, "checks per instance per interval (backend requests / instances / s)",
      String.format(Locale.ROOT, "%.2f", single.checksPerInstance()), String.format(Locale.ROOT, "%.2f", cluster.checksPerInstance()));
    row(out, "instances not checked / checked more than once per interval", single.unchecked() + " / " + single.overChecked(),
      cluster.unchecked() + " / " + cluster.overChecked());
    row(out, "CPU (cores) per node", perNode(single, n -> fixed(n.cores(), 2)), perNode(cluster, n -> fixed(n.cores(), 2))
      + " (sum " + fixed(cluster.perNode().stream().mapToDouble(NodeFigures::cores).sum(), 2) + ")");
    row(out, "RSS (MiB) per node", perNode(single, n -> fixed(n.rssMib(), 0)), perNode(cluster, n -> fixed(n.rssMib(), 0)));
    row(out, "watches per node (its checker's status)", perNode(single, n -> String.valueOf(n.watches())),
      perNode(cluster, n -> String.valueOf(n.watches())));
    row(out, "registrations per node (znodes of its session)", perNode(single, n -> String.valueOf(n.registrations())),
      perNode(cluster, n -> String.valueOf(n.registrations())));
    row(out, "registration latency p50 (ms): container fact to znode seen",
      fixed(percentile(single.latencyMs(), 50), 0), fixed(percentile(cluster.latencyMs(), 50), 0));
    row(out, "registration latency p99 (ms)", fixed(percentile(single.latencyMs(), 99), 0),
      fixed(percentile(cluster.latencyMs(), 99), 0));
    row(out, String.format(Locale.ROOT, "handover after kill -9 of %s (held %d): all registered again by others, "
        + "as ZooKeeper created them (ctime) / as this benchmark's reader saw them (ms)", handover.node(), handover.held()), "",
      fixed(handover.lastCreatedMs(), 0) + " / " + fixed(handover.lastMs(), 0) + " (first seen after " + fixed(handover.firstMs(), 0) + ")");
    row(out, "bound: 2 check intervals + session timeout (ms)", "",
      fixed(2 * ClusterBench.INTERVAL_S * 1000 + ClusterBench.SESSION_TIMEOUT_MS, 0));
    row(out, "after the handover: instances registered twice / not at all", "", handover.duplicates() + " / " + handover.missing());
    row(out, "checkers' \"down\" facts of healthy instances: while starting or joining / measured / handover",
      single.settlingDowns() + " / " + single.measuredDowns() + " / -",
      cluster.settlingDowns() + " / " + cluster.measuredDowns() + " / " + handover.downs());
    out.append(String.format(Locale.ROOT, "%nWhere the time went: a probe's container fact to its checker's \"up\" "
        + "p50 %s / p99 %s ms on 1 node, %s / %s on %d; after the kill, the new checkers' \"up\" facts (of the %d "
        + "instances the killed node also checked) came %s to %s ms after it, the new znodes %s to %s ms.%n",
      fixed(percentile(single.upMs(), 50), 0), fixed(percentile(single.upMs(), 99), 0),
      fixed(percentile(cluster.upMs(), 50), 0), fixed(percentile(cluster.upMs(), 99), 0), cluster.nodes(),
      handover.movedChecks(), fixed(handover.firstUpMs(), 0), fixed(handover.lastUpMs(), 0), fixed(handover.firstMs(), 0), fixed(handover.lastMs(), 0)));
    return out.toString();
  }

  private static void row(StringBuilder out, String what, String single, String cluster) {
    out.append("| ").append(what).append(" | ").append(single).append(" | ").append(cluster).append(" |\n");
  }

  private static String perNode(Phase phase, Function<NodeFigures, String> cell) {
    return phase.perNode().stream().map(cell).collect(Collectors.joining(" / "));
  }

  private static String fixed(double value, int decimals) {
    return String.format(Locale.ROOT, "%,." + decimals + "f", value);
  }

  /** Nearest rank: with a few dozen samples p99 is the slowest one. */
  static double percentile(double[] values, double p) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }
}
