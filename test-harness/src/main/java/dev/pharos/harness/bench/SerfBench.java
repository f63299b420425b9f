package dev.pharos.harness.bench;

import dev.pharos.serf.SerfAgent;
import dev.pharos.serf.SerfRpcClient;
import dev.pharos.serfbridge.SerfBridgeVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * serf-handler's config protocol on 3 serf agents joined on loopback, each with a Pharos serf
 * bridge: the time from sending {@code config_updated} to the file written with its version on
 * each node, next to the time serf itself takes to deliver the event to a plain RPC stream
 * subscriber on the same node (what {@code serf monitor} and serf-handler's event handler get),
 * in the same run. {@code SerfBench [events (50)]}
 */
public final class SerfBench {

  public static void main(String[] args) throws Exception {
    int events = args.length > 0 ? Integer.parseInt(args[0]) : 50;
    Path work = Files.createTempDirectory("serf-bench");
    List<SerfAgent> agents = new ArrayList<>();
    List<SerfRpcClient> floors = new ArrayList<>();
    Vertx vertx = Vertx.vertx();
    try {
      for (int i = 0; i < 3; i++) {
        agents.add(SerfAgent.start("bench-" + i, Map.of("role", "web"), i == 0 ? null : agents.get(0), null, work.resolve(i + ".log")));
      }
      // floor: a bare stream subscriber per node, timestamps by version
      List<Map<Long, Long>> floorSeen = new ArrayList<>();
      for (SerfAgent agent : agents) {
        SerfRpcClient client = SerfRpcClient.connect(vertx, "127.0.0.1", agent.rpcPort(), null).await(10, TimeUnit.SECONDS);
        Map<Long, Long> seen = new ConcurrentHashMap<>();
        client.stream("user:config_updated", e -> {
          long now = System.nanoTime();
          String payload = new String(e.payload(), StandardCharsets.UTF_8);
          seen.putIfAbsent(new JsonObject(payload).getLong("v"), now);
        }).await(5, TimeUnit.SECONDS);
        floors.add(client);
        floorSeen.add(seen);
      }
      List<Path> files = new ArrayList<>();
      for (int i = 0; i < agents.size(); i++) {
        Path configs = work.resolve("configs-" + i);
        files.add(configs.resolve("bench/key.json"));
        vertx.deployVerticle(new SerfBridgeVerticle(), new DeploymentOptions().setConfig(new JsonObject().put("instanceId", "bench-" + i)
          .put("serf", new JsonObject().put("rpc", "127.0.0.1:" + agents.get(i).rpcPort())
            .put("confDir", work.resolve("conf-" + i).toString()).put("configsDir", configs.toString()))))
          .await(20, TimeUnit.SECONDS);
      }
      Thread.sleep(2000); // every bridge connected and streaming
      SerfRpcClient sender = floors.get(0);
      List<Double> floorMs = new ArrayList<>();
      List<Double> pharosMs = new ArrayList<>();
      List<Double> addedMs = new ArrayList<>();
      for (long v = 1; v <= events + 3; v++) {
        byte[] payload = new JsonObject().put("p", "bench").put("k", "key").put("v", v)
          .put("c", new JsonObject().put("n", v)).encode().getBytes(StandardCharsets.UTF_8);
        long t0 = System.nanoTime();
        sender.event("config_updated", payload, false).await(5, TimeUnit.SECONDS);
        long[] written = new long[files.size()];
        long deadline = t0 + TimeUnit.SECONDS.toNanos(10);
        int left = files.size();
        while (left > 0 && System.nanoTime() < deadline) {
          for (int i = 0; i < files.size(); i++) {
            if (written[i] == 0 && version(files.get(i)) >= v) {
              written[i] = System.nanoTime();
              left--;
            }
          }
          Thread.sleep(0, 200_000);
        }
        if (v > 3) { // the first three warm up
          for (int i = 0; i < files.size(); i++) {
            Long floor = floorSeen.get(i).get(v);
            if (floor != null && written[i] != 0) {
              floorMs.add((floor - t0) / 1e6);
              pharosMs.add((written[i] - t0) / 1e6);
              addedMs.add((written[i] - floor) / 1e6);
            }
          }
        }
        Thread.sleep(100);
      }
      String table = String.format(Locale.ROOT, """
        serf config_updated, 3 agents on loopback, %d events, %d deliveries measured (file written vs bare stream subscriber)

        | path | p50 (ms) | p99 (ms) |
        |---|---:|---:|
        | serf to a bare RPC stream subscriber (floor) | %.2f | %.2f |
        | serf to Pharos's bridge, file written with its _version | %.2f | %.2f |
        | Pharos adds, per delivery (file written minus the floor's arrival on that node) | %.2f | %.2f |
        """, events, pharosMs.size(), pct(floorMs, 0.5), pct(floorMs, 0.99), pct(pharosMs, 0.5), pct(pharosMs, 0.99),
        pct(addedMs, 0.5), pct(addedMs, 0.99));
      BenchOutput.publish("serf", table);
    } finally {
      floors.forEach(SerfRpcClient::close);
      vertx.close().await(30, TimeUnit.SECONDS);
      for (SerfAgent agent : agents) {
        agent.close();
      }
    }
  }

  private static long version(Path file) {
    try {
      return new JsonObject(Files.readString(file)).getLong("_version", 0L);
    } catch (Exception e) {
      return 0;
    }
  }

  private static double pct(List<Double> values, double q) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.floor(q * sorted.size())));
  }
}
