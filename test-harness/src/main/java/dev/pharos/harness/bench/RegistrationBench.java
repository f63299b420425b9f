package dev.pharos.harness.bench;

import dev.pharos.harness.Harness;
import dev.pharos.launcher.Pharos;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Issue 3's benchmark: N labelled containers started one after another (rise 1); the time from
 * dockerd's {@code start} event (its own timestamp) to the Nerve znode being visible to a
 * ZooKeeper watcher, and from {@code docker kill} to the znode being gone. The floor
 * ({@link RawRegistrar}) runs in the same run, its containers interleaved with Pharos's so that
 * both meet the same machine. Each container is killed once {@link #LIVE} more of its side have
 * started, so the load stays the same whatever N, and N can be large enough for a p99 that is
 * not just the slowest sample. Run apart from the tests: {@code test-harness/bench/run.sh}.
 */
public final class RegistrationBench {

  /** Containers started first on each side and left out of the figures: JIT and first connections. */
  static final int WARMUP = 3;
  /** Containers a side left running while the next start: each is killed after LIVE more have started. */
  static final int LIVE = 20;
  static final int PHAROS = 0;
  static final int FLOOR = 1;

  /** One side of the comparison: its containers' labels, where its znodes appear, its ports by container. */
  private record Side(String name, Map<String, String> labels, ZnodeTimes times, Map<String, Integer> ports,
                      List<String> ids, double[] upMs, double[] downMs) {
  }

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 50;
    boolean raw = Boolean.getBoolean("bench.raw");
    try (Harness harness = new Harness(); DockerEventTimes events = new DockerEventTimes(harness.docker())) {
      harness.define("bench", "app", """
        {"nerve": {"check_interval": 0.1,
          "checks": [{"type": "http", "uri": "/index.html", "timeout": 0.5, "rise": 1, "fall": 1}]}}""");
      Pharos node = harness.start(harness.conf("bench-" + harness.runId(), new JsonObject()));
      String api = Harness.api(node);
      Harness.await("Pharos up", () -> new String(URI.create(api + "/v1/health").toURL().openStream().readAllBytes())
        .contains("\"status\" : \"UP\""));
      // measured in a settled group, as a node runs nearly all its life: for its first 10 s a
      // registrar lists a service before each create, in case an instance moved to it
      Harness.await("registrar's group quiet", Duration.ofSeconds(60), () -> node.vertx().eventBus()
        .<JsonObject>request(dev.pharos.bus.Addresses.status(dev.pharos.bus.Addresses.REGISTRAR), new JsonObject())
        .await(5, java.util.concurrent.TimeUnit.SECONDS).body().getJsonObject("details").getBoolean("groupQuiet", false));
      PipelineStages stages = new PipelineStages(node.vertx());
      String floorParent = "/env/floor/sd/app/sd";
      harness.zk().create().creatingParentsIfNeeded().forPath(floorParent);
      Map<String, Integer> floorPorts = new ConcurrentHashMap<>();
      try (ZnodeTimes pharosTimes = new ZnodeTimes(harness.zk(), "/env/bench/sd/app/sd");
           ZnodeTimes floorTimes = new ZnodeTimes(harness.zk(), floorParent);
           RawRegistrar floor = new RawRegistrar(harness.docker(), harness.zk(), floorParent, floorPorts)) {
        Thread.sleep(500); // the event streams are open
        Side[] sides = {
          new Side("Pharos", Map.of("sd-env", "bench", "sd-name", "app"), pharosTimes, new ConcurrentHashMap<>(),
            new ArrayList<>(), new double[n], new double[n]),
          new Side("floor", Map.of(), floorTimes, floorPorts, new ArrayList<>(), new double[n], new double[n])};
        List<Integer> ports = new ArrayList<>(Harness.freePorts(2 * (n + WARMUP)));
        // at most LIVE containers a side run at once, whatever n: the machine's load, and so the
        // figures, do not grow with the number of samples
        for (int i = -WARMUP; i < n + LIVE; i++) {
          if (i < n) {
            for (int s : order(i)) {
              start(harness, sides[s], ports.remove(0), i, events);
            }
          }
          if (i - LIVE >= -WARMUP) {
            for (int s : order(i)) {
              kill(harness, sides[s], i - LIVE);
            }
          }
        }
        String table = table(n, sides[PHAROS], sides[FLOOR]);
        BenchOutput.publish("registration", table);
        if (raw) {
          System.out.println(breakdown(sides[PHAROS], stages, events));
          System.out.println(floorBreakdown(sides[FLOOR], floor, events));
        }
      }
    }
  }

  /** Alternates which side goes first, so neither always follows the other's container. */
  private static int[] order(int i) {
    return Math.floorMod(i, 2) == 0 ? new int[]{PHAROS, FLOOR} : new int[]{FLOOR, PHAROS};
  }

  private static void start(Harness harness, Side side, int port, int i, DockerEventTimes events) throws Exception {
    String id = harness.createHttpd(side.labels(), port);
    side.ports().put(id, port);
    side.ids().add(id);
    harness.docker().startContainerCmd(id).exec();
    String shortId = Harness.shortId(id);
    Harness.await(side.name() + " znode of " + shortId, Duration.ofSeconds(20), () -> side.times().created(shortId) != null);
    Harness.await("start event of " + shortId, Duration.ofSeconds(5), () -> events.started(id) != null);
    if (i >= 0) {
      side.upMs()[i] = (side.times().created(shortId) - events.started(id)) / 1e6;
    }
  }

  private static void kill(Harness harness, Side side, int i) throws Exception {
    String id = side.ids().get(i + WARMUP);
    String shortId = Harness.shortId(id);
    long t0 = ZnodeTimes.now();
    harness.docker().killContainerCmd(id).exec();
    Harness.await(side.name() + " znode of " + shortId + " gone", Duration.ofSeconds(20), () -> side.times().deleted(shortId) != null);
    if (i >= 0) {
      side.downMs()[i] = (side.times().deleted(shortId) - t0) / 1e6;
    }
    harness.remove(id);
  }

  private static String breakdown(Side pharos, PipelineStages stages, DockerEventTimes events) {
    double[] sums = new double[4];
    List<double[]> samples = new ArrayList<>();
    for (String id : pharos.ids()) {
      long[] t = stages.of(id);
      Long start = events.started(id);
      Long seen = pharos.times().created(Harness.shortId(id));
      if (t != null && start != null && seen != null && t[0] > 0 && t[1] > 0 && t[2] > 0) {
        double[] split = {(t[0] - start) / 1e6, (t[1] - t[0]) / 1e6, (t[2] - t[1]) / 1e6, (seen - t[2]) / 1e6};
        for (int k = 0; k < 4; k++) {
          sums[k] += split[k];
        }
        samples.add(split);
      }
    }
    int count = samples.size();
    StringBuilder text = new StringBuilder(String.format(Locale.ROOT, "Pharos start path, mean ms over %d: start event -> "
      + "container fact %.1f, -> instance up %.1f, -> registered %.1f, -> znode seen %.1f", count,
      sums[0] / count, sums[1] / count, sums[2] / count, sums[3] / count));
    // the tail: where the slowest starts spent their time, stage by stage
    samples.sort((a, b) -> Double.compare(Arrays.stream(b).sum(), Arrays.stream(a).sum()));
    for (double[] split : samples.subList(0, Math.min(3, count))) {
      text.append(String.format(Locale.ROOT, "%nslow: %.1f ms = fact %.1f + up %.1f + registered %.1f + seen %.1f",
        Arrays.stream(split).sum(), split[0], split[1], split[2], split[3]));
    }
    return text.toString();
  }

  /** The floor's start path by stage, as {@link #breakdown} gives Pharos's, to compare stage by stage. */
  private static String floorBreakdown(Side floor, RawRegistrar raw, DockerEventTimes events) {
    double[] sums = new double[4];
    int count = 0;
    for (String id : floor.ids()) {
      long[] t = raw.stages(id);
      Long start = events.started(id);
      Long seen = floor.times().created(Harness.shortId(id));
      if (t != null && start != null && seen != null) {
        sums[0] += (t[0] - start) / 1e6;
        sums[1] += (t[1] - t[0]) / 1e6;
        sums[2] += (t[2] - t[1]) / 1e6;
        sums[3] += (seen - t[2]) / 1e6;
        count++;
      }
    }
    return String.format(Locale.ROOT, "floor start path, mean ms over %d: start event -> event received %.1f, -> check "
      + "passed %.1f, -> create answered %.1f, -> znode seen %.1f", count, sums[0] / count, sums[1] / count, sums[2] / count,
      sums[3] / count);
  }

  private static double percentile(double[] values, double p) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }

  private static String row(String path, double[] pharos, double[] floor) {
    return String.format(Locale.ROOT, "| %s | %.1f | %.1f | %.1f | %.1f | %.2fx | %.2fx |%n", path,
      percentile(pharos, 50), percentile(pharos, 99), percentile(floor, 50), percentile(floor, 99),
      percentile(pharos, 50) / percentile(floor, 50), percentile(pharos, 99) / percentile(floor, 99));
  }

  private static String table(int n, Side pharos, Side floor) {
    return String.format(Locale.ROOT, "Registration latency (ms), %d containers per side started one after another "
      + "(each killed after %d more), sides interleaved, %d warm-up each left out, rise 1%n%n", n, LIVE, WARMUP)
      + "| path | Pharos p50 | Pharos p99 | floor p50 | floor p99 | p50 ratio | p99 ratio |\n"
      + "|---|---:|---:|---:|---:|---:|---:|\n"
      + row("container start event to znode visible", pharos.upMs(), floor.upMs())
      + row("docker kill to znode gone", pharos.downMs(), floor.downMs());
  }

  private RegistrationBench() {
  }
}
