package dev.pharos.harness.bench;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/** The scale benchmark's table: a row per figure, a column per registry size; then the agent's figures. */
final class ScaleTable {

  private ScaleTable() {
  }

  static String render(List<ScaleBench.Size> sizes, AgentRss.Result agent, int servers, double definitionRate, double minutes) {
    StringBuilder t = new StringBuilder();
    boolean etcd = sizes.stream().allMatch(s -> s.etcd() != null);
    t.append(String.format(Locale.ROOT, "Scale: Nerve registrations over %d services in Debian's ZooKeeper 3.8 (%s on loopback)%s, "
        + "read by one node (%s; the ambassador with %d listeners) launched as deploy/run.sh does "
        + "(deploy/launch.sh: deploy/jvm.options, MALLOC_ARENA_MAX=2, and the class-data archive a first start recorded); %d SSE clients in the benchmark's process; 2 cores shared by all of it "
        + "and by other work on the machine; %.0f min in all%n%n", ScaleBench.APPS,
      servers == 3 ? "a three-server ensemble" : "one server",
      etcd ? " and as many service documents in Debian's etcd 3.4 (one server), at the same addresses" : "", String.join(", ", ScaleBench.verticles().fieldNames()), 5, ScaleBench.SSE_CLIENTS, minutes));
    t.append("| |");
    sizes.forEach(s -> t.append(String.format(Locale.ROOT, " %,d |", s.registrations())));
    t.append("\n|---|");
    sizes.forEach(s -> t.append("---:|"));
    t.append('\n');
    row(t, sizes, "fill: registrations written per second (async creates, 1,000 in flight; each column's own step)",
      s -> f0(s.writeRate()));
    row(t, sizes, "node start to its first log line: the JVM and Vert.x up, no store read yet (ms)", s -> f0(s.firstLogMs()));
    row(t, sizes, "node start to `/v1/health` 200 (ms)", s -> f0(s.healthyMs()));
    row(t, sizes, "node start to DNS answering the last service with all its addresses (ms)", s -> f0(s.dnsReadyMs()));
    row(t, sizes, "node CPU from start to ready (s)", s -> f1(s.cpuToReady()));
    row(t, sizes, "node RSS, ready and settled (MiB)", s -> f0(s.rssReady()));
    row(t, sizes, "node RSS at the end, 1,000 SSE clients connected (MiB)", s -> f0(s.rssEnd()));
    row(t, sizes, "ZooKeeper server RSS, the largest (MiB)", s -> f0(s.zkRss()));
    row(t, sizes, "Nerve znode added or removed: ZooKeeper requests by the node, per change", s -> f1(s.nerve().zkRequests()));
    row(t, sizes, "Nerve znode added or removed: bus messages, per change", s -> f1(s.nerve().busMessages()));
    row(t, sizes, "Nesoi host PUT or DELETE through the api: ZooKeeper requests by the node, per change (its write included)",
      s -> f1(s.nesoi().zkRequests()));
    row(t, sizes, "Nesoi host PUT or DELETE: bus messages, per change", s -> f1(s.nesoi().busMessages()));
    row(t, sizes, "Nesoi PUT sent to an SSE client's event, p50 / p99 over every client of 40 changes (ms)",
      s -> f1(s.sse().p(0.5)) + " / " + f1(s.sse().p(0.99)));
    row(t, sizes, "Nesoi PUT sent to the last of the clients having it, p50 / p99 over 40 changes (ms)",
      s -> f1(ScaleBench.percentile(s.sse().slowest(), 0.5)) + " / " + f1(ScaleBench.percentile(s.sse().slowest(), 0.99)));
    row(t, sizes, "SSE events missed (of 40 x clients)", s -> Integer.toString(s.sse().missed()));
    row(t, sizes, "Nerve znode create sent to the node's DNS answer having it, p50 / max of 20 (ms)",
      s -> f1(s.dns().p(0.5)) + " / " + f1(s.dns().p(1)) + missed(s.dns()));
    row(t, sizes, "Nerve znode create sent to the ambassador's listener having it (`/v1/descriptors`), p50 / max of 20 (ms)",
      s -> f1(s.ambassador().p(0.5)) + " / " + f1(s.ambassador().p(1)) + missed(s.ambassador()));
    if (sizes.stream().allMatch(s -> s.etcd() != null)) {
      row(t, sizes, "etcd: service documents written per second, one per registration (async puts, 1,000 in flight)",
        s -> f0(s.etcd().writeRate()));
      row(t, sizes, "etcd document put sent to the node's DNS answer having it, p50 / max of 20 (ms)",
        s -> f1(s.etcd().dns().p(0.5)) + " / " + f1(s.etcd().dns().p(1)) + missed(s.etcd().dns()));
      row(t, sizes, "etcd document put or deleted: ZooKeeper requests and bus messages by the node, per change",
        s -> f1(s.etcd().cost().zkRequests()) + " / " + f1(s.etcd().cost().busMessages()));
    }
    row(t, sizes, "`GET /v1/services` (every service's summary, the etcd documents' among them), median of 5 (ms)",
      s -> f1(s.servicesMs()));
    t.append(String.format(Locale.ROOT, "%nThe 1,000 definitions were written at %.0f writes/s. Bus messages per change, by address: ",
      definitionRate));
    Map<String, String> addresses = new TreeMap<>();
    for (ScaleBench.Size s : sizes) {
      s.nerve().byAddress().forEach((a, n) -> addresses.merge("Nerve " + a, f1(n), (x, y) -> x + " / " + y));
      s.nesoi().byAddress().forEach((a, n) -> addresses.merge("Nesoi " + a, f1(n), (x, y) -> x + " / " + y));
    }
    t.append(addresses.isEmpty() ? "none" : addresses.toString()).append(" (by size, where above 0.05; the timers' "
      + ChangePaths.PERIODIC + " left out).\n");
    if (agent != null) {
      t.append(String.format(Locale.ROOT, "%nAgent node (docker-watcher, definition-watcher, health-checker, registrar, api), "
          + "deploy/launch.sh as above: %d local containers asked, %d running (`--net=host` busybox `sleep`, made in %.0f s), each "
          + "tcp-checked every 1 s against one backend process; start to `/v1/health` 200 %.0f ms; start to %d of them "
          + "registered %.0f ms; RSS settled %.0f MiB, the most over the next minute %.0f MiB; %.1f s of CPU in all.%n",
        agent.asked(), agent.containers(), agent.createSeconds(), agent.healthyMs(), agent.registered(), agent.registeredMs(),
        agent.rssSettled(), agent.rssMax(), agent.cpuSeconds()));
    }
    return t.toString();
  }

  private static void row(StringBuilder t, List<ScaleBench.Size> sizes, String name, Function<ScaleBench.Size, String> cell) {
    t.append("| ").append(name).append(" | ");
    sizes.forEach(s -> t.append(cell.apply(s)).append(" | "));
    t.setLength(t.length() - 1);
    t.append('\n');
  }

  private static String missed(ChangePaths.Latencies l) {
    return l.missed() == 0 ? "" : " (" + l.missed() + " not seen in 10 s)";
  }

  private static String f0(double v) {
    return String.format(Locale.ROOT, "%,.0f", v);
  }

  private static String f1(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }
}
