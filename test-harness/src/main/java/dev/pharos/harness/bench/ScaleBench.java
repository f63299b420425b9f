package dev.pharos.harness.bench;

import dev.pharos.harness.Harness;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Issue 16's registry at growing sizes: Debian's ZooKeeper as a three-server ensemble on loopback
 * (one server when memory is short), {@value #APPS} services, and registrations filled to each
 * size in turn (1,000, 10,000, 100,000 by default) as Nerve znodes of one writer session. At each
 * size a node (api, dns, ambassador, definition-watcher), launched as {@code deploy/run.sh} does,
 * is started on the registry and measured: start to ready, RSS, a change's cost in ZooKeeper
 * requests and bus messages, and a change's time to 1,000 SSE clients, to a DNS answer and to the
 * ambassador's listeners. Then an agent node with {@code bench.agentContainers} local containers
 * ({@link AgentRss}). {@code ScaleBench [size...]}
 */
public final class ScaleBench {

  static final int APPS = 1000;
  static final int SSE_CLIENTS = Integer.getInteger("bench.sseClients", 1000);
  private static final int DESCRIPTORS = 5;

  /** What one size gave. */
  record Size(int registrations, double writeRate, double firstLogMs, double healthyMs, double dnsReadyMs, double cpuToReady, double rssReady,
              double rssEnd, ChangePaths.Latencies sse, ChangePaths.Latencies dns, ChangePaths.Latencies ambassador,
              ChangePaths.Cost nerve, ChangePaths.Cost nesoi, double servicesMs, double zkRss, Etcd etcd) {
  }

  /** What one size gave of its etcd documents: null when none were written. */
  record Etcd(double writeRate, ChangePaths.Latencies dns, ChangePaths.Cost cost) {
  }

  public static void main(String[] args) throws Exception {
    List<Integer> sizes = args.length == 0 ? List.of(1_000, 10_000, 100_000) : Arrays.stream(args).map(Integer::parseInt).toList();
    int agentContainers = Integer.getInteger("bench.agentContainers", 1000);
    Path dir = Files.createTempDirectory("scale-bench");
    long availableMib = availableMib();
    // three servers of up to 768 MB heap each, the node, 1,000 client connections and the agent's containers
    int servers = availableMib > 8_000 ? 3 : 1;
    List<Size> results = new ArrayList<>();
    AgentRss.Result agent = null;
    double definitionRate;
    long started = System.nanoTime();
    boolean withEtcd = Boolean.parseBoolean(System.getProperty("bench.etcd", "true"));
    try (ZkEnsemble ensemble = ZkEnsemble.start(dir, servers, 768);
         RegistryFill fill = new RegistryFill(ensemble.connect(), APPS)) {
      System.out.printf(Locale.ROOT, "ZooKeeper: %d server(s) at %s (%d MiB available), data in %s%n", servers,
        ensemble.connect(), availableMib, dir);
      definitionRate = fill.definitions();
      // etcd stops before the agent's part: an idle client's keep-alive pings would draw etcd's too_many_pings
      try (EtcdFill etcd = withEtcd ? new EtcdFill(dir, APPS) : null) {
        for (int size : sizes) {
          results.add(measure(dir, ensemble, fill, etcd, size));
        }
      }
      if (agentContainers > 0) {
        agent = AgentRss.measure(dir, ensemble.connect(), agentContainers);
      }
    }
    BenchOutput.publish("scale", ScaleTable.render(results, agent, servers, definitionRate,
      (System.nanoTime() - started) / 60e9));
  }

  private static Size measure(Path dir, ZkEnsemble ensemble, RegistryFill fill, EtcdFill etcd, int size) throws Exception {
    System.out.printf(Locale.ROOT, "== %,d registrations%n", size);
    double rate = fill.fillTo(size);
    int perApp = size / APPS;
    System.out.printf(Locale.ROOT, "filled at %.0f writes/s%n", rate);
    double etcdRate = etcd == null ? Double.NaN : etcd.fillTo(size);
    if (etcd != null) {
      System.out.printf(Locale.ROOT, "etcd documents written at %.0f puts/s%n", etcdRate);
    }
    List<Integer> ports = Harness.freePorts(2 + DESCRIPTORS);
    List<Integer> descriptorApps = new ArrayList<>();
    for (int k = 0; k < DESCRIPTORS; k++) {
      descriptorApps.add(k * (APPS / DESCRIPTORS));
    }
    JsonObject conf = new JsonObject().put("instanceId", "scale-" + size).put("node", "scale-" + size).put("hostIp", "127.0.0.1")
      .put("zookeeper", new JsonObject().put("connect", ensemble.connect()))
      .put("api", new JsonObject().put("host", "127.0.0.1").put("port", ports.get(0)))
      .put("dns", new JsonObject().put("port", ports.get(1)))
      .put("ambassador", new JsonObject().put("descriptors", new JsonArray(ScaleNode.descriptors(APPS, ports.subList(2, ports.size())))))
      .put("verticles", verticles());
    if (etcd != null) {
      conf.put("etcd", etcd.conf());
    }
    try (ScaleNode node = ScaleNode.launch(dir, "node-" + size, conf)) {
      String last = RegistryFill.app(APPS - 1) + "." + RegistryFill.ENV + ".pharos.";
      CompletableFuture<Double> dnsReady = CompletableFuture.supplyAsync(() -> {
        try {
          return node.awaitAnswers(last, perApp, Duration.ofSeconds(180));
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      double healthy = node.awaitHealthy(Duration.ofSeconds(180));
      double dns = dnsReady.get(200, TimeUnit.SECONDS);
      double cpu = node.cpuSeconds();
      System.out.printf(Locale.ROOT, "healthy after %.0f ms, DNS after %.0f ms, %.1f s of CPU%n", healthy, dns, cpu);
      Thread.sleep(5000); // settled: the JIT's first burst and a collection or two
      double rssReady = node.rssMib();
      ChangePaths paths = new ChangePaths(node, fill, etcd, ensemble, perApp);
      ChangePaths.Latencies sse;
      ChangePaths.Cost nerve;
      ChangePaths.Cost nesoi;
      try (SseClients clients = new SseClients(SSE_CLIENTS)) {
        clients.connect(node.api(), "/v1/changes", SSE_CLIENTS, Duration.ofSeconds(60));
        paths.sse(clients, SSE_CLIENTS, 5, 100, APPS); // warm-up: the first changes compile the path
        sse = paths.sse(clients, SSE_CLIENTS, 40, 200, APPS);
        System.out.printf(Locale.ROOT, "SSE p50 %.1f p99 %.1f ms, slowest client p99 %.1f ms, %d missed%n", sse.p(0.5), sse.p(0.99),
          percentile(sse.slowest(), 0.99), sse.missed());
        nerve = paths.nerveCost(20, APPS);
        nesoi = paths.nesoiCost(20, APPS);
        System.out.println("per Nerve change " + nerve + "; per Nesoi change " + nesoi);
      }
      paths.dns(3, APPS); // warm-up
      ChangePaths.Latencies dnsChange = paths.dns(20, APPS);
      ChangePaths.Latencies ambassador = paths.ambassador(20, descriptorApps);
      System.out.printf(Locale.ROOT, "DNS p50 %.1f max %.1f ms; ambassador p50 %.1f max %.1f ms%n", dnsChange.p(0.5),
        dnsChange.p(1), ambassador.p(0.5), ambassador.p(1));
      Etcd etcdFigures = null;
      if (etcd != null) {
        paths.etcdToDns(3, APPS); // warm-up
        ChangePaths.Latencies etcdDns = paths.etcdToDns(20, APPS);
        ChangePaths.Cost etcdCost = paths.etcdCost(20, APPS);
        etcdFigures = new Etcd(etcdRate, etcdDns, etcdCost);
        System.out.printf(Locale.ROOT, "etcd to DNS p50 %.1f max %.1f ms; per etcd change %s%n", etcdDns.p(0.5), etcdDns.p(1), etcdCost);
      }
      double services = servicesMs(node);
      double rssEnd = node.rssMib();
      double zkRss = ensemble.rssMib().stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
      return new Size(size, rate, node.firstLogMs(), healthy, dns, cpu, rssReady, rssEnd, sse, dnsChange, ambassador, nerve, nesoi, services,
        zkRss, etcdFigures);
    }
  }

  /**
   * The node's stages, {@code bench.nodeStages}: api, dns and ambassador by default. The
   * definition-watcher is left out unless asked for: on Debian's ZooKeeper 3.8.0 its TreeCache's
   * standard watch on {@code /env}, set over the same connection, replaces the catalog's
   * persistent recursive watch there, and the node stops seeing registrations (see the README).
   */
  static JsonObject verticles() {
    JsonObject verticles = new JsonObject();
    for (String stage : System.getProperty("bench.nodeStages", "api,dns,ambassador").split(",")) {
      verticles.put(stage.trim(), new JsonObject());
    }
    return verticles;
  }

  /** The median of 5 {@code GET /v1/services}, in ms. */
  private static double servicesMs(ScaleNode node) throws Exception {
    List<Double> ms = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      long t0 = System.nanoTime();
      node.body("/v1/services");
      ms.add((System.nanoTime() - t0) / 1e6);
    }
    ms.sort(null);
    return ms.get(2);
  }

  static double percentile(List<Double> sorted, double p) {
    return ChangePaths.percentile(sorted, p);
  }

  private static long availableMib() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
      if (line.startsWith("MemAvailable:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
      }
    }
    return 0;
  }
}
