package dev.pharos.harness.bench;

import dev.pharos.harness.Harness;
import dev.pharos.launcher.Pharos;
import io.vertx.core.json.JsonObject;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Issue 3's benchmark: for N labelled containers started one after another (rise 1), the time
 * from dockerd's {@code start} event (its own timestamp) to the Nerve znode being visible to a
 * ZooKeeper watcher, and from the {@code die} event to the znode being gone; the same for the floor
 * ({@link RawRegistrar}) in the same run. Run apart from the tests: {@code test-harness/bench/run.sh}.
 */
public final class RegistrationBench {

  /** Containers started first in each phase and left out of the figures: JIT and first connections. */
  static final int WARMUP = 3;

  private record Latencies(double[] upMs, double[] downMs) {
  }

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 50;
    try (Harness harness = new Harness(); DockerEventTimes events = new DockerEventTimes(harness.docker())) {
      Thread.sleep(300); // the event stream is open
      List<Integer> ports = freePorts(n + WARMUP);
      Latencies floor = floor(harness, ports, events);
      Latencies pharos = pharos(harness, ports, events);
      String table = table(n, pharos, floor);
      System.out.println(table);
      if (Boolean.getBoolean("bench.raw")) {
        System.out.println("pharos up " + Arrays.toString(pharos.upMs()) + "\nfloor up " + Arrays.toString(floor.upMs()));
      }
      Path out = Path.of(System.getProperty("bench.out", "bench/results/registration.md"));
      Files.createDirectories(out.toAbsolutePath().getParent());
      Files.writeString(out, table);
    }
  }

  private static Latencies pharos(Harness harness, List<Integer> ports, DockerEventTimes events) throws Exception {
    harness.define("bench", "app", """
      {"nerve": {"check_interval": 0.1,
        "checks": [{"type": "http", "uri": "/index.html", "timeout": 0.5, "rise": 1, "fall": 1}]}}""");
    Pharos node = harness.start(harness.conf("bench-" + harness.runId(), new JsonObject()));
    String api = Harness.api(node);
    Harness.await("Pharos up", () -> new String(new java.net.URL(api + "/v1/health").openStream().readAllBytes())
      .contains("\"status\" : \"UP\""));
    Map<String, long[]> stages = new java.util.concurrent.ConcurrentHashMap<>();
    if (Boolean.getBoolean("bench.raw")) {
      var bus = node.vertx().eventBus();
      bus.<JsonObject>consumer(dev.pharos.bus.Addresses.CONTAINERS, m -> {
        if ("up".equals(m.body().getString("type"))) {
          stages.computeIfAbsent(Harness.shortId(m.body().getJsonObject("container").getString("id")), k -> new long[3])[0] = ZnodeTimes.now();
        }
      });
      bus.<JsonObject>consumer(dev.pharos.bus.Addresses.INSTANCES, m -> {
        if ("up".equals(m.body().getString("type"))) {
          stages.computeIfAbsent(Harness.shortId(m.body().getJsonObject("instance").getString("containerId")), k -> new long[3])[1] = ZnodeTimes.now();
        }
      });
      bus.<JsonObject>consumer(dev.pharos.bus.Addresses.CHANGES, m -> {
        if ("registered".equals(m.body().getString("type"))) {
          stages.computeIfAbsent(Harness.shortId(m.body().getJsonObject("instance").getString("containerId")), k -> new long[3])[2] = ZnodeTimes.now();
        }
      });
    }
    try (ZnodeTimes times = new ZnodeTimes(harness.zk(), "/env/bench/sd/app/sd")) {
      Map<String, Integer> portsById = new HashMap<>();
      Latencies result = measure(harness, ports, Map.of("sd-env", "bench", "sd-name", "app"), times, events, portsById);
      if (Boolean.getBoolean("bench.raw")) {
        StringBuilder b = new StringBuilder("pharos stages (ms): start->container fact, ->instance up, ->registered, ->znode seen\n");
        portsById.keySet().forEach(id -> {
          long[] t = stages.get(Harness.shortId(id));
          Long start = events.started(id);
          Long seen = times.created(Harness.shortId(id));
          if (t != null && start != null && seen != null) {
            b.append(String.format(Locale.ROOT, "  %.1f %.1f %.1f %.1f%n", (t[0] - start) / 1e6, (t[1] - t[0]) / 1e6,
              (t[2] - t[1]) / 1e6, (seen - t[2]) / 1e6));
          }
        });
        System.out.println(b);
      }
      return result;
    } finally {
      harness.stop(node);
    }
  }

  private static Latencies floor(Harness harness, List<Integer> ports, DockerEventTimes events) throws Exception {
    Map<String, Integer> portsById = new java.util.concurrent.ConcurrentHashMap<>();
    String parent = "/env/floor/sd/app/sd";
    harness.zk().create().creatingParentsIfNeeded().forPath(parent);
    try (ZnodeTimes times = new ZnodeTimes(harness.zk(), parent);
         RawRegistrar raw = new RawRegistrar(harness.docker(), harness.zk(), parent, portsById)) {
      Thread.sleep(500); // the event stream is open
      return measure(harness, ports, Map.of(), times, events, portsById);
    }
  }

  private static Latencies measure(Harness harness, List<Integer> ports, Map<String, String> labels,
                                   ZnodeTimes times, DockerEventTimes events,
                                   Map<String, Integer> portsById) throws Exception {
    int n = ports.size() - WARMUP;
    List<String> ids = new ArrayList<>();
    double[] up = new double[n];
    double[] down = new double[n];
    for (int i = -WARMUP; i < n; i++) {
      String id = harness.createHttpd(labels, ports.get(i + WARMUP));
      portsById.put(id, ports.get(i + WARMUP));
      ids.add(id);
      harness.docker().startContainerCmd(id).exec();
      String shortId = Harness.shortId(id);
      Harness.await("znode of " + shortId, Duration.ofSeconds(20), () -> times.created(shortId) != null);
      Harness.await("start event of " + shortId, Duration.ofSeconds(5), () -> events.started(id) != null);
      if (i >= 0) {
        up[i] = (times.created(shortId) - events.started(id)) / 1e6;
      }
    }
    for (int i = -WARMUP; i < n; i++) {
      String shortId = Harness.shortId(ids.get(i + WARMUP));
      String id = ids.get(i + WARMUP);
      harness.docker().killContainerCmd(id).exec();
      Harness.await("znode of " + shortId + " gone", Duration.ofSeconds(20), () -> times.deleted(shortId) != null);
      Harness.await("die event of " + shortId, Duration.ofSeconds(5), () -> events.died(id) != null);
      if (i >= 0) {
        down[i] = (times.deleted(shortId) - events.died(id)) / 1e6;
      }
    }
    ids.forEach(harness::remove);
    return new Latencies(up, down);
  }

  private static List<Integer> freePorts(int n) throws Exception {
    List<ServerSocket> sockets = new ArrayList<>();
    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ServerSocket s = new ServerSocket(0);
      sockets.add(s);
      ports.add(s.getLocalPort());
    }
    for (ServerSocket s : sockets) {
      s.close();
    }
    return ports;
  }

  private static double percentile(double[] values, double p) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }

  private static String table(int n, Latencies pharos, Latencies floor) {
    StringBuilder t = new StringBuilder();
    t.append(String.format(Locale.ROOT, "Registration latency, %d containers one after another (after %d warm-up), rise 1 (ms)%n%n", n, WARMUP));
    t.append("| path | Pharos p50 | Pharos p99 | floor p50 | floor p99 | p99 ratio |\n");
    t.append("|---|---:|---:|---:|---:|---:|\n");
    Function<double[][], String> row = v -> String.format(Locale.ROOT, "%.1f | %.1f | %.1f | %.1f | %.2fx",
      percentile(v[0], 50), percentile(v[0], 99), percentile(v[1], 50), percentile(v[1], 99),
      percentile(v[0], 99) / percentile(v[1], 99));
    t.append("| container start event to znode visible | ").append(row.apply(new double[][]{pharos.upMs(), floor.upMs()})).append(" |\n");
    t.append("| container die event to znode gone | ").append(row.apply(new double[][]{pharos.downMs(), floor.downMs()})).append(" |\n");
    return t.toString();
  }

  private RegistrationBench() {
  }
}
