package dev.pharos.harness.bench;

import dev.pharos.bus.Addresses;
import dev.pharos.harness.Harness;
import dev.pharos.health.HealthCheckerVerticle;
import dev.pharos.model.Container;
import dev.pharos.model.DefinitionParser;
import dev.pharos.model.Host;
import dev.pharos.model.PortBinding;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How many Nerve checks per second the health checker sustains, and at what CPU cost, against
 * the floor: bare Vert.x HttpClient requests on timers, one new connection per check as Nerve
 * does. N synthetic instances, each checked every second, all against one local HTTP server in
 * this process (its CPU counts in both rows alike). {@code test-harness/bench/run.sh checks}.
 */
public final class CheckThroughputBench {

  private record Figures(double checksPerSecond, double cores) {
  }

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    Vertx serverVertx = Vertx.vertx();
    HttpServer server = serverVertx.createHttpServer()
      .requestHandler(req -> req.response().end("ok"))
      .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    int port = server.actualPort();
    // the checker joins its group in ZooKeeper (membership), on a chroot of this run
    try (Harness harness = new Harness()) {
      floor(n, 3, port); // warm-up: JIT and sockets, so the order of the rows does not matter
      Figures floor = floor(n, seconds, port);
      Figures pharos = pharos(n, seconds, port, harness.connect());
      String table = String.format(Locale.ROOT, """
        Health checks, %d instances checked every second (new connection per check), %d s measured

        | | checks/s | CPU (cores, server included) | CPU per check (us) |
        |---|---:|---:|---:|
        | Pharos health checker | %.0f | %.2f | %.0f |
        | floor (bare Vert.x HttpClient) | %.0f | %.2f | %.0f |
        | ratio | %.2fx | %.2fx | %.2fx |
        """, n, seconds,
        pharos.checksPerSecond(), pharos.cores(), pharos.cores() * 1e6 / pharos.checksPerSecond(),
        floor.checksPerSecond(), floor.cores(), floor.cores() * 1e6 / floor.checksPerSecond(),
        pharos.checksPerSecond() / floor.checksPerSecond(), pharos.cores() / floor.cores(),
        (pharos.cores() / pharos.checksPerSecond()) / (floor.cores() / floor.checksPerSecond()));
      BenchOutput.publish("checks", table);
    } finally {
      serverVertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static Figures pharos(int n, int seconds, int port, String zookeeper) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      JsonObject conf = new JsonObject().put("instanceId", "bench")
        .put("zookeeper", new JsonObject().put("connect", zookeeper));
      vertx.deployVerticle(new HealthCheckerVerticle(), new DeploymentOptions().setConfig(conf)).await(10, TimeUnit.SECONDS);
      // the bench plays the watchers: it publishes their facts, the bus contract being public
      var definition = DefinitionParser.parse("bench", "checks", 1, """
        {"nerve": {"check_interval": 1, "checks": [{"type": "http", "uri": "/health", "timeout": 1}]}}""".getBytes(),
        dev.pharos.checks.CheckTypes.standard());
      vertx.eventBus().publish(Addresses.DEFINITIONS, new JsonObject().put("type", "put").put("definition", definition.toJson()));
      JsonArray containers = new JsonArray();
      for (int i = 0; i < n; i++) {
        String id = String.format(Locale.ROOT, "%012x%052x", i + 1, 0); // short ids differ
        containers.add(Container.of(id, "c" + i, "bench", Map.of("sd-env", "bench", "sd-name", "checks"),
          List.of(new PortBinding(80, port, "tcp")), false).toJson());
      }
      vertx.eventBus().publish(Addresses.CONTAINERS, new JsonObject().put("type", "snapshot")
        .put("host", new Host("bench", "127.0.0.1").toJson()).put("containers", containers));
      Thread.sleep(3000); // every watch started and past its first rounds
      long rounds0 = rounds(vertx);
      long cpu0 = cpuNanos();
      long t0 = System.nanoTime();
      Thread.sleep(seconds * 1000L);
      long rounds1 = rounds(vertx);
      double elapsed = (System.nanoTime() - t0) / 1e9;
      return new Figures((rounds1 - rounds0) / elapsed, (cpuNanos() - cpu0) / 1e9 / elapsed);
    } finally {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }

  private static long rounds(Vertx vertx) throws Exception {
    JsonObject snapshot = vertx.eventBus().<JsonObject>request(Addresses.INSTANCES_SNAPSHOT, new JsonObject())
      .await(30, TimeUnit.SECONDS).body();
    long total = 0;
    for (Object w : snapshot.getJsonArray("watches")) {
      total += ((JsonObject) w).getLong("rounds");
    }
    return total;
  }

  private static Figures floor(int n, int seconds, int port) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      // the health checker's client options, so only what sits around the client differs
      HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false),
        new io.vertx.core.http.PoolOptions().setHttp1MaxSize(4));
      AtomicLong done = new AtomicLong();
      AtomicLong failed = new AtomicLong();
      // one event loop, as the health checker verticle has
      io.vertx.core.Context context = vertx.getOrCreateContext();
      context.runOnContext(x -> {
      for (int i = 0; i < n; i++) {
        vertx.setPeriodic(1, 1000, t -> client.request(HttpMethod.GET, port, "127.0.0.1", "/health")
          .compose(req -> req.send()).compose(resp -> resp.body())
          .onComplete(ar -> {
            done.incrementAndGet();
            if (ar.failed()) {
              failed.incrementAndGet();
            }
          }));
      }
      });
      Thread.sleep(3000);
      long done0 = done.get();
      long cpu0 = cpuNanos();
      long t0 = System.nanoTime();
      Thread.sleep(seconds * 1000L);
      double elapsed = (System.nanoTime() - t0) / 1e9;
      return new Figures((done.get() - done0) / elapsed, (cpuNanos() - cpu0) / 1e9 / elapsed);
    } finally {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }

  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  private CheckThroughputBench() {
  }
}
