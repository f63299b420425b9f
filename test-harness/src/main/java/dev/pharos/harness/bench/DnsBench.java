package dev.pharos.harness.bench;

import dev.pharos.harness.Harness;
import dev.pharos.launcher.Pharos;
import io.vertx.core.json.JsonObject;
import org.apache.curator.framework.api.transaction.CuratorOp;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Pharos's DNS stage against Debian's NSD serving the same records from a zone file, in one run
 * on loopback: {@code dnsperf} sends A and SRV queries for {@code services} services of
 * {@code instances} instances each, as fast as the server answers (its queries/s), then at a
 * fixed rate both can serve (its latencies, from dnsperf's per-query lines). Pharos reads the
 * registrations as Nerve znodes from the test ZooKeeper; both run as many threads as there are
 * cores (DNS instances sharing the port, NSD's server-count with reuseport, as its tuning guide
 * says). The servers are measured in interleaved rounds and the median round is reported. Last,
 * how soon a registration written to ZooKeeper is in Pharos's next answer.
 * {@code DnsBench [seconds per run (10)] [rounds (3)] [services (1000)] [instances (3)] [fixed rate (10000)]}
 */
public final class DnsBench {

  private record Run(double qps, long lost, double p50Ms, double p99Ms) {
  }

  private static final Pattern QPS = Pattern.compile("Queries per second:\\s+([0-9.]+)");
  private static final Pattern LOST = Pattern.compile("Queries lost:\\s+(\\d+)");
  static final String ENV = "bench";

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    int services = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
    int instances = args.length > 3 ? Integer.parseInt(args[3]) : 3;
    int rate = args.length > 4 ? Integer.parseInt(args[4]) : 10_000;
    int cores = Runtime.getRuntime().availableProcessors();
    List<Integer> ports = Harness.freePorts(2);
    int pharosPort = ports.get(0);
    int nsdPort = ports.get(1);
    Path work = Files.createTempDirectory("dns-bench");
    Process nsd = null;
    try (Harness harness = new Harness()) {
      register(harness, services, instances);
      Pharos node = harness.start(harness.conf("dns-bench", new JsonObject()
        .put("metrics", new JsonObject().put("enabled", Boolean.parseBoolean(System.getProperty("bench.metrics", "true"))))
        .put("dns", new JsonObject().put("port", pharosPort))
        .put("verticles", new JsonObject().put("dns", new JsonObject().put("instances", cores)))));
      String last = "svc" + (services - 1) + "." + ENV + ".pharos.";
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (answers(pharosPort, last) != instances) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("Pharos did not answer " + last + " with " + instances + " addresses in 60 s");
        }
        Thread.sleep(50);
      }
      nsd = NsdServer.start(work, nsdPort, services, instances, cores);
      Path queries = queries(work, services);

      // a running node's code is compiled: one unmeasured run first, as for NSD's page cache
      measure(pharosPort, queries, Math.max(3, seconds / 2), rate, work);
      measure(nsdPort, queries, Math.max(3, seconds / 2), rate, work);
      List<Run> pharos = new ArrayList<>();
      List<Run> peer = new ArrayList<>();
      for (int r = 0; r < rounds; r++) {
        boolean pharosFirst = r % 2 == 0;
        for (int i = 0; i < 2; i++) {
          boolean isPharos = (i == 0) == pharosFirst;
          Run run = measure(isPharos ? pharosPort : nsdPort, queries, seconds, rate, work);
          System.out.printf(Locale.ROOT, "round %d %s: %.0f q/s, %d lost, p50 %.3f ms, p99 %.3f ms%n", r + 1,
            isPharos ? "Pharos" : "NSD", run.qps(), run.lost(), run.p50Ms(), run.p99Ms());
          (isPharos ? pharos : peer).add(run);
        }
      }
      List<Double> visible = changeVisible(harness, pharosPort, 20);
      BenchOutput.publish("dns", table(pharos, peer, visible, services, instances, seconds, rounds, rate, cores));
      harness.stop(node);
    } finally {
      if (nsd != null) {
        nsd.destroy();
        nsd.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  /** Nerve's znodes for every instance, written in transactions of a few hundred. */
  private static void register(Harness harness, int services, int instances) throws Exception {
    List<CuratorOp> ops = new ArrayList<>();
    var zk = harness.zk();
    ops.add(zk.transactionOp().create().forPath("/env"));
    ops.add(zk.transactionOp().create().forPath("/env/" + ENV));
    ops.add(zk.transactionOp().create().forPath("/env/" + ENV + "/sd"));
    for (int s = 0; s < services; s++) {
      String app = "/env/" + ENV + "/sd/svc" + s;
      ops.add(zk.transactionOp().create().forPath(app));
      ops.add(zk.transactionOp().create().forPath(app + "/sd"));
      for (int i = 0; i < instances; i++) {
        ops.add(zk.transactionOp().create().forPath(String.format(Locale.ROOT, "%s/sd/i%d_%010d", app, i, i),
          nerve(address(s, i), 8000 + i, "i" + i).getBytes(StandardCharsets.UTF_8)));
      }
      if (ops.size() > 300) {
        zk.transaction().forOperations(ops);
        ops.clear();
      }
    }
    if (!ops.isEmpty()) {
      zk.transaction().forOperations(ops);
    }
  }

  private static String nerve(String host, int port, String name) {
    return new JsonObject().put("host", host).put("port", port).put("name", name).put("weight", 1).encode();
  }

  static String address(int service, int instance) {
    int n = service * 16 + instance;
    return "10." + (n >> 16 & 0xff) + "." + (n >> 8 & 0xff) + "." + (n & 0xff);
  }

  /** dnsperf's input: an A and an SRV query for each service, shuffled. */
  private static Path queries(Path work, int services) throws IOException {
    List<String> lines = new ArrayList<>();
    for (int s = 0; s < services; s++) {
      lines.add("svc" + s + "." + ENV + ".pharos. A");
      lines.add("svc" + s + "." + ENV + ".pharos. SRV");
    }
    Collections.shuffle(lines, new Random(7));
    return Files.write(work.resolve("queries.txt"), lines);
  }

  /** One throughput run and one latency run at the fixed rate against the server on {@code port}. */
  private static Run measure(int port, Path queries, int seconds, int rate, Path work) throws Exception {
    String out = run(work, "dnsperf", "-s", "127.0.0.1", "-p", String.valueOf(port), "-d", queries.toString(),
      "-l", String.valueOf(seconds), "-c", "8", "-q", "200", "-T", "1");
    Matcher qps = QPS.matcher(out);
    Matcher lost = LOST.matcher(out);
    if (!qps.find() || !lost.find()) {
      throw new IllegalStateException("dnsperf said: " + out);
    }
    List<Double> latencies = new ArrayList<>();
    Process perf = new ProcessBuilder("dnsperf", "-s", "127.0.0.1", "-p", String.valueOf(port), "-d", queries.toString(),
      "-l", String.valueOf(Math.max(3, seconds / 2)), "-Q", String.valueOf(rate), "-c", "8", "-T", "1", "-v")
      .redirectErrorStream(true).start();
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(perf.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = lines.readLine()) != null) {
        if (line.startsWith("> ")) {
          String[] f = line.split(" ");
          latencies.add(Double.parseDouble(f[f.length - 1]) * 1000);
        }
      }
    }
    perf.waitFor(60, TimeUnit.SECONDS);
    Collections.sort(latencies);
    return new Run(Double.parseDouble(qps.group(1)), Long.parseLong(lost.group(1)), percentile(latencies, 0.50),
      percentile(latencies, 0.99));
  }

  private static String run(Path work, String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).directory(work.toFile()).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(120, TimeUnit.SECONDS);
    return out;
  }

  private static double percentile(List<Double> sorted, double p) {
    return sorted.isEmpty() ? Double.NaN : sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
  }

  /**
   * A registration written to ZooKeeper, then Pharos asked at once and again until its answer
   * has it: the time from the write's acknowledgement to that answer, {@code n} times.
   */
  private static List<Double> changeVisible(Harness harness, int port, int n) throws Exception {
    List<Double> ms = new ArrayList<>();
    String parent = "/env/" + ENV + "/sd/fresh/sd";
    harness.zk().create().creatingParentsIfNeeded().forPath(parent);
    // the first registration of a new app also creates its nodes in the catalog: not measured
    harness.zk().create().forPath(parent + "/warm_0000000000", nerve("10.200.1.1", 9000, "warm").getBytes(StandardCharsets.UTF_8));
    long warmDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (answers(port, "fresh." + ENV + ".pharos.") != 1) {
      if (System.nanoTime() > warmDeadline) {
        throw new IllegalStateException("the first registration of app fresh not answered in 10 s");
      }
    }
    for (int i = 0; i < n; i++) {
      harness.zk().create().forPath(String.format(Locale.ROOT, "%s/f%d_%010d", parent, i, i),
        nerve("10.200.0." + (i + 1), 9000, "f" + i).getBytes(StandardCharsets.UTF_8));
      long start = System.nanoTime();
      long deadline = start + TimeUnit.SECONDS.toNanos(10);
      while (answers(port, "fresh." + ENV + ".pharos.") != i + 2) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("registration " + i + " not answered in 10 s");
        }
      }
      ms.add((System.nanoTime() - start) / 1e6);
    }
    Collections.sort(ms);
    return ms;
  }

  /** How many answer records an A query for {@code name} gets, waiting 1 s; see {@link DnsProbe}. */
  static int answers(int port, String name) throws IOException {
    return DnsProbe.answers(port, name, 1000);
  }

  private static double median(List<Run> runs, java.util.function.ToDoubleFunction<Run> f) {
    List<Double> values = new ArrayList<>(runs.stream().mapToDouble(f).boxed().toList());
    Collections.sort(values);
    return values.get(values.size() / 2);
  }

  private static String table(List<Run> pharos, List<Run> nsd, List<Double> visible, int services, int instances, int seconds,
                              int rounds, int rate, int cores) {
    double pq = median(pharos, Run::qps);
    double nq = median(nsd, Run::qps);
    double pp99 = median(pharos, Run::p99Ms);
    double np99 = median(nsd, Run::p99Ms);
    StringBuilder t = new StringBuilder();
    t.append(String.format(Locale.ROOT, "DNS, %d services x %d instances, A and SRV queries from dnsperf on loopback "
        + "(8 clients, 200 outstanding, %d s a run; latency at %d queries/s), each figure the median of %d interleaved rounds, "
        + "%d cores shared by dnsperf and the server, %d thread(s) per server%n%n", services, instances, seconds, rate, rounds, cores, cores));
    t.append("| server | queries/s | lost | p50 at fixed rate (ms) | p99 at fixed rate (ms) | queries/s vs NSD | p99 vs NSD |\n");
    t.append("|---|---:|---:|---:|---:|---:|---:|\n");
    t.append(String.format(Locale.ROOT, "| Pharos (Netty's DNS codec on Vert.x's event loops) | %.0f | %d | %.3f | %.3f | %.2fx | %.2fx |%n",
      pq, (long) median(pharos, r -> r.lost()), median(pharos, Run::p50Ms), pp99, pq / nq, pp99 / np99));
    t.append(String.format(Locale.ROOT, "| NSD 4.6 (zone file) | %.0f | %d | %.3f | %.3f | 1.00x | 1.00x |%n",
      nq, (long) median(nsd, r -> r.lost()), median(nsd, Run::p50Ms), np99));
    t.append(String.format(Locale.ROOT, "%nA registration written to ZooKeeper to Pharos's first answer that has it: "
        + "p50 %.1f ms, max %.1f ms over %d registrations (NSD answers a change after its zone file is rewritten and reloaded).%n",
      visible.get(visible.size() / 2), visible.get(visible.size() - 1), visible.size()));
    return t.toString();
  }
}
