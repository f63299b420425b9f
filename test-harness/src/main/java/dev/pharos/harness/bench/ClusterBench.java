package dev.pharos.harness.bench;

import dev.pharos.harness.Harness;
import dev.pharos.harness.bench.SyntheticHosts.Synthetic;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.zookeeper.ZookeeperClusterManager;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A cluster of Pharos nodes dividing the instances of synthetic Docker hosts (hosts with no
 * docker watcher of their own, so ownership is by rendezvous hashing): does each instance get
 * exactly one check per interval, what does each node cost, how fast is a new container
 * registered next to a single node carrying the same load, and how long does a {@code kill -9}
 * of a node leave its instances unregistered. The bench joins the clustered bus itself and
 * publishes the hosts' container facts; their backends are HTTP servers it runs on 127.0.x.y.
 *
 * <p>One node first (the single-node column), then the others join (the cluster column), then
 * the last one is killed. {@code ClusterBench [instances 4000] [hosts 100] [nodes 3] [seconds 10] [probes 24]};
 * {@code BENCH_ONLY=cluster test-harness/bench/run.sh}.
 */
public final class ClusterBench {

  /** The cluster's root path, so the group the stages divide work in. */
  static final String GROUP = "pharos-bench";
  static final int SESSION_TIMEOUT_MS = 4000;
  static final int APPS = 20;
  static final double INTERVAL_S = 1.0;
  private static final String DEFINITION = """
    {"nerve": {"check_interval": 1, "checks": [{"type": "http", "uri": "/health", "timeout": 1}]}}""";

  record Params(int instances, int hosts, int nodes, int seconds, int probes) {
    static Params parse(String[] args) {
      int[] v = {4000, 100, 3, 10, 24};
      for (int i = 0; i < Math.min(args.length, v.length); i++) {
        v[i] = Integer.parseInt(args[i]);
      }
      if (v[2] < 2) {
        throw new IllegalArgumentException("nodes: at least 2, one of them is killed");
      }
      return new Params(v[0], v[1], v[2], v[3], v[4]);
    }
  }

  public static void main(String[] args) throws Exception {
    Params params = Params.parse(args);
    List<NodeProcess> nodes = new CopyOnWriteArrayList<>();
    // whatever ends this JVM, the nodes it started end with it
    Thread reaper = new Thread(() -> nodes.forEach(NodeProcess::stop), "cluster-bench-reaper");
    Runtime.getRuntime().addShutdownHook(reaper);
    Path dir = Files.createTempDirectory("pharos-cluster-bench");
    System.out.println("node confs and logs in " + dir);
    try (Harness harness = new Harness()) {
      for (int i = 0; i < APPS; i++) {
        harness.define(SyntheticHosts.ENV, SyntheticHosts.app(i), DEFINITION);
      }
      Vertx local = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
      Vertx bus = null;
      try {
        Backends backends = new Backends(local, params.instances() + 2 * params.probes());
        SyntheticHosts hosts = new SyntheticHosts(params.hosts(), APPS, backends);
        List<Synthetic> load = hosts.create(params.instances());
        hosts.add(load);
        bus = joinCluster(harness.connect());
        hosts.serve(bus);
        try (RegistrationView view = new RegistrationView(harness.zk(), SyntheticHosts.ENV)) {
          InstanceFacts facts = new InstanceFacts(bus);
          StageStatuses statuses = new StageStatuses(bus);
          ClusterSettling settling = new ClusterSettling(harness.zk(), hosts, load, view, statuses, facts);
          ClusterMeasures measures = new ClusterMeasures(params, harness.zk(), hosts, backends, load, view, statuses, facts);
          nodes.add(NodeProcess.launch(harness, dir, "node-1", true, GROUP, SESSION_TIMEOUT_MS));
          settling.awaitMembers(nodes);
          hosts.publishSnapshots();
          settling.awaitSettled(nodes);
          log("single node settled");
          ClusterMeasures.Phase single = measures.measure(nodes, facts.falseDowns());
          log("single node measured");
          long downs0 = facts.falseDowns();
          for (int i = 2; i <= params.nodes(); i++) {
            nodes.add(NodeProcess.launch(harness, dir, "node-" + i, false, GROUP, SESSION_TIMEOUT_MS));
          }
          settling.awaitMembers(nodes);
          settling.awaitSettled(nodes);
          log(params.nodes() + " nodes settled");
          ClusterMeasures.Phase cluster = measures.measure(nodes, facts.falseDowns() - downs0);
          log(params.nodes() + " nodes measured");
          ClusterMeasures.Handover handover = measures.handover(nodes.get(nodes.size() - 1));
          BenchOutput.publish("cluster", ClusterTable.format(params, single, cluster, handover));
          System.out.println("down facts by reason over the run: " + facts.downs());
        }
      } finally {
        stopAll(nodes);
        if (bus != null) {
          bus.close().await(30, TimeUnit.SECONDS);
        }
        local.close().await(30, TimeUnit.SECONDS);
      }
    }
    Runtime.getRuntime().removeShutdownHook(reaper);
  }

  /** A clustered Vertx on the nodes' chroot and root path, built as a node builds its own. */
  private static Vertx joinCluster(String connect) throws Exception {
    JsonObject zk = new JsonObject().put("zookeeperHosts", connect).put("rootPath", GROUP)
      .put("sessionTimeout", 15_000).put("connectTimeout", 5000)
      .put("retry", new JsonObject().put("initialSleepTime", 200).put("intervalTimes", 5000).put("maxTimes", 10));
    VertxOptions options = new VertxOptions().setPreferNativeTransport(true)
      .setEventBusOptions(new EventBusOptions().setHost("127.0.0.1").setPort(0));
    return Vertx.builder().with(options).withClusterManager(new ZookeeperClusterManager(zk)).buildClustered()
      .await(60, TimeUnit.SECONDS);
  }

  /** SIGTERM to all at once (each hands its registrations over), then waits for each. */
  private static void stopAll(List<NodeProcess> nodes) throws Exception {
    nodes.forEach(NodeProcess::stop);
    for (NodeProcess n : nodes) {
      n.awaitExit(Duration.ofSeconds(30));
    }
  }

  private static final long STARTED = System.nanoTime();

  private static void log(String what) {
    System.out.printf(Locale.ROOT, "[%5.1f s] %s%n", (System.nanoTime() - STARTED) / 1e9, what);
  }

  private ClusterBench() {
  }
}
