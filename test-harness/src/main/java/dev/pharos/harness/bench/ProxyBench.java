package dev.pharos.harness.bench;

import dev.pharos.ambassador.AmbassadorVerticle;
import dev.pharos.bus.Addresses;
import dev.pharos.harness.Harness;
import dev.pharos.metrics.PharosMetrics;
import dev.pharos.zookeeper.EmbeddedZooKeeper;
import dev.pharos.zookeeper.ZooKeeperClients;
import org.apache.curator.framework.CuratorFramework;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The ambassador's proxy against HAProxy 2.6 (Debian's package, TCP mode, same backend) on its
 * defaults and at its best TCP settings, and against no proxy, in one run on loopback: {@code wrk}
 * drives HTTP keep-alive requests through each, with 1 and 64 connections. The backend is a
 * Vert.x HTTP server in a process of its own, found by the ambassador as a Nerve registration
 * in ZooKeeper, as a Synapse-side consumer would find it. The paths are measured in interleaved
 * rounds and each figure's median over the rounds is reported; ratios are against the faster
 * HAProxy.
 * {@code ProxyBench [seconds per run (10)] [rounds (3)] [body bytes (16384)]}
 */
public final class ProxyBench {

  private record Run(double requestsPerSecond, double megabytesPerSecond, double p50Ms, double p99Ms) {
  }

  private static final String HAPROXY = "HAProxy 2.6 (tcp mode, defaults)";
  private static final String HAPROXY_TUNED = "HAProxy 2.6 (tcp, splice-auto, tcp-smart-accept/connect)";
  private static final Pattern REQUESTS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
  private static final Pattern TRANSFER = Pattern.compile("Transfer/sec:\\s+([0-9.]+)([KMG]?B)");

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    int bodyBytes = args.length > 2 ? Integer.parseInt(args[2]) : 16384;
    List<Integer> ports = Harness.freePorts(5);
    int backendPort = ports.get(0);
    int pharosPort = ports.get(1);
    int haproxyPort = ports.get(2);
    int tunedPort = ports.get(3);
    int zooKeeperPort = ports.get(4);
    int cores = Runtime.getRuntime().availableProcessors();
    // threads of each proxy: ambassador instances (one event loop each) and HAProxy's nbthread
    int threads = Integer.getInteger("bench.proxyThreads", cores);

    Path work = Files.createTempDirectory("proxy-bench");
    Process backend = null;
    Process haproxy = null;
    Process tuned = null;
    // as the launcher's: native transport, and the metrics a node records unless bench.metrics=false
    JsonObject node = new JsonObject().put("instanceId", "bench")
      .put("metrics", new JsonObject().put("enabled", Boolean.parseBoolean(System.getProperty("bench.metrics", "true"))));
    VertxOptions options = new VertxOptions().setPreferNativeTransport(true);
    if (PharosMetrics.options(node) != null) {
      options.setMetricsOptions(PharosMetrics.options(node));
    }
    Vertx vertx = Vertx.vertx(options);
    try (EmbeddedZooKeeper zooKeeper = EmbeddedZooKeeper.start(new JsonObject().put("port", zooKeeperPort)
      .put("dataDir", work.resolve("zookeeper").toString()))) {
      backend = new ProcessBuilder("java", "-cp", classpath(), HttpBackend.class.getName(),
        String.valueOf(backendPort), String.valueOf(bodyBytes)).redirectErrorStream(true).start();
      BufferedReader out = new BufferedReader(new InputStreamReader(backend.getInputStream(), StandardCharsets.UTF_8));
      String line;
      while ((line = out.readLine()) != null && !line.equals("listening")) {
        System.out.println("backend: " + line);
      }
      if (line == null) {
        throw new IllegalStateException("the backend did not start");
      }

      JsonObject zooKeeperConf = new JsonObject().put("connect", zooKeeper.connectString());
      try (CuratorFramework client = ZooKeeperClients.start(zooKeeperConf)) {
        client.create().creatingParentsIfNeeded().forPath("/env/bench/sd/backend/sd/b1_0000000000", new JsonObject()
          .put("host", "127.0.0.1").put("port", backendPort).put("name", "b1").encode().getBytes(StandardCharsets.UTF_8));
      }

      // one ambassador instance per core share the listener, as HAProxy's threads do
      JsonObject conf = node.copy().put("zookeeper", zooKeeperConf)
        .put("ambassador", new JsonObject().put("descriptors", new JsonArray().add("BACKEND_BENCH=backend;" + pharosPort + "/tcp")));
      vertx.deployVerticle(AmbassadorVerticle::new, new DeploymentOptions().setConfig(conf).setInstances(threads))
        .await(20, TimeUnit.SECONDS);
      haproxy = haproxy(work, "haproxy", "", "", threads, haproxyPort, backendPort);
      // HAProxy's documentation for TCP throughput: kernel splicing (splice-auto), no empty ACKs
      // on accept and connect (tcp-smart-*), a deeper accept batch, and room for every connection
      // (maxconn within this machine's 20,000 descriptors: HAProxy refuses to start past them)
      tuned = haproxy(work, "haproxy-tuned", "  maxconn 4000\n  tune.maxaccept 256\n",
        "  option splice-auto\n  option tcp-smart-accept\n  option tcp-smart-connect\n", threads, tunedPort, backendPort);
      for (int port : ports) {
        awaitServing(port);
      }
      Harness.await("the ambassador's endpoint", () -> vertx.eventBus().<JsonObject>request(Addresses.DESCRIPTORS, new JsonObject())
        .await(5, TimeUnit.SECONDS).body().getJsonArray("descriptors").getJsonObject(0).getJsonArray("endpoints").size() == 1);

      Map<String, Integer> paths = new LinkedHashMap<>();
      paths.put("Pharos ambassador", pharosPort);
      paths.put(HAPROXY, haproxyPort);
      paths.put(HAPROXY_TUNED, tunedPort);
      paths.put("direct to the backend", backendPort);
      int[] connections = {1, 64};
      Map<String, List<Run>> runs = new LinkedHashMap<>();
      for (Map.Entry<String, Integer> path : paths.entrySet()) {
        for (int c : connections) {
          wrk(path.getValue(), c, 2); // warm-up: JIT, connection pools
          runs.put(path.getKey() + "|" + c, new ArrayList<>());
        }
      }
      for (int round = 0; round < rounds; round++) {
        List<Map.Entry<String, Integer>> order = new ArrayList<>(paths.entrySet());
        java.util.Collections.rotate(order, round); // every path gets every slot once
        for (Map.Entry<String, Integer> path : order) {
          for (int c : connections) {
            runs.get(path.getKey() + "|" + c).add(wrk(path.getValue(), c, seconds));
          }
        }
      }
      System.out.println("ambassador native transport: " + vertx.isNativeTransportEnabled());
      String table = table(runs, connections, seconds, rounds, bodyBytes, cores, threads);
      BenchOutput.publish("proxy", table);
    } finally {
      if (haproxy != null) {
        haproxy.destroy();
      }
      if (tuned != null) {
        tuned.destroy();
      }
      if (backend != null) {
        backend.destroy();
      }
      vertx.close().await(20, TimeUnit.SECONDS);
    }
  }

  /** Starts HAProxy in TCP mode in front of the backend, with extra global and defaults lines. */
  private static Process haproxy(Path work, String name, String global, String defaults, int threads, int port,
                                 int backendPort) throws IOException {
    Path cfg = Files.writeString(work.resolve(name + ".cfg"), """
      global
        nbthread %d
      %sdefaults
        mode tcp
      %s  timeout connect 2s
        timeout client 60s
        timeout server 60s
      frontend bench
        bind 127.0.0.1:%d
        default_backend backend
      backend backend
        balance roundrobin
        server b1 127.0.0.1:%d
      """.formatted(threads, global, defaults, port, backendPort));
    return new ProcessBuilder("haproxy", "-f", cfg.toString()).redirectErrorStream(true)
      .redirectOutput(work.resolve(name + ".log").toFile()).start();
  }

  /** This program's classpath: under {@code mvn exec:java} it is the class loader's, not {@code java.class.path}. */
  private static String classpath() {
    if (ProxyBench.class.getClassLoader() instanceof java.net.URLClassLoader loader) {
      return java.util.Arrays.stream(loader.getURLs()).map(u -> {
        try {
          return Path.of(u.toURI()).toString();
        } catch (java.net.URISyntaxException e) {
          throw new IllegalStateException(e);
        }
      }).collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
    }
    return System.getProperty("java.class.path");
  }

  private static void awaitServing(int port) throws Exception {
    Harness.await("port " + port + " listening", () -> {
      try (Socket s = new Socket("127.0.0.1", port)) {
        return true;
      } catch (IOException e) {
        return false;
      }
    });
  }

  private static Run wrk(int port, int connections, int seconds) throws Exception {
    int threads = Math.min(connections, 2);
    Process p = new ProcessBuilder("wrk", "-t" + threads, "-c" + connections, "-d" + seconds + "s", "--latency",
      "http://127.0.0.1:" + port + "/").redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(seconds + 30L, TimeUnit.SECONDS) || p.exitValue() != 0 || output.contains("Socket errors")) {
      throw new IllegalStateException("wrk against port " + port + " failed or saw errors:\n" + output);
    }
    return new Run(number(REQUESTS, output), megabytes(output), latencyMs(output, "50%"), latencyMs(output, "99%"));
  }

  private static double number(Pattern pattern, String output) {
    Matcher m = pattern.matcher(output);
    if (!m.find()) {
      throw new IllegalStateException("no " + pattern + " in wrk's output:\n" + output);
    }
    return Double.parseDouble(m.group(1));
  }

  private static double megabytes(String output) {
    Matcher m = TRANSFER.matcher(output);
    if (!m.find()) {
      throw new IllegalStateException("no Transfer/sec in wrk's output:\n" + output);
    }
    double value = Double.parseDouble(m.group(1));
    return switch (m.group(2)) {
      case "GB" -> value * 1024;
      case "KB" -> value / 1024;
      case "B" -> value / 1024 / 1024;
      default -> value;
    };
  }

  /** A line of wrk's "Latency Distribution", such as {@code 99%  3.21ms}, in milliseconds. */
  private static double latencyMs(String output, String percentile) {
    Matcher m = Pattern.compile("^\\s*" + Pattern.quote(percentile) + "\\s+([0-9.]+)(us|ms|s)\\s*$", Pattern.MULTILINE).matcher(output);
    if (!m.find()) {
      throw new IllegalStateException("no " + percentile + " latency in wrk's output:\n" + output);
    }
    double value = Double.parseDouble(m.group(1));
    return switch (m.group(2)) {
      case "us" -> value / 1000;
      case "s" -> value * 1000;
      default -> value;
    };
  }

  /** Each figure's median over the rounds, taken on its own. */
  private static Run median(List<Run> runs) {
    return new Run(median(runs, Run::requestsPerSecond), median(runs, Run::megabytesPerSecond),
      median(runs, Run::p50Ms), median(runs, Run::p99Ms));
  }

  private static double median(List<Run> runs, java.util.function.ToDoubleFunction<Run> figure) {
    double[] values = runs.stream().mapToDouble(figure).sorted().toArray();
    return values.length % 2 == 1 ? values[values.length / 2] : (values[values.length / 2 - 1] + values[values.length / 2]) / 2;
  }

  private static String table(Map<String, List<Run>> runs, int[] connections, int seconds, int rounds, int bodyBytes,
                              int cores, int threads) {
    StringBuilder t = new StringBuilder(String.format(Locale.ROOT, """
      Proxy, HTTP keep-alive GETs of a %d-byte body through each path on loopback, wrk, %d s per run, \
      each figure the median of %d interleaved rounds, %d cores shared by wrk, proxy and backend, %d thread(s) per proxy

      | path | connections | requests/s | MB/s | p50 (ms) | p99 (ms) | p99 over the rounds (ms) | MB/s vs the faster HAProxy | p99 vs it |
      |---|---:|---:|---:|---:|---:|---:|---:|---:|
      """, bodyBytes, seconds, rounds, cores, threads));
    for (int c : connections) {
      Run plain = median(runs.get(HAPROXY + "|" + c));
      Run best = median(runs.get(HAPROXY_TUNED + "|" + c));
      Run haproxy = best.megabytesPerSecond() >= plain.megabytesPerSecond() ? best : plain;
      for (Map.Entry<String, List<Run>> e : runs.entrySet()) {
        String[] key = e.getKey().split("\\|");
        if (Integer.parseInt(key[1]) != c) {
          continue;
        }
        Run r = median(e.getValue());
        double[] p99s = e.getValue().stream().mapToDouble(Run::p99Ms).sorted().toArray();
        t.append(String.format(Locale.ROOT, "| %s | %d | %.0f | %.1f | %.3f | %.3f | %.2f to %.2f | %.2fx | %.2fx |%n", key[0], c,
          r.requestsPerSecond(), r.megabytesPerSecond(), r.p50Ms(), r.p99Ms(), p99s[0], p99s[p99s.length - 1],
          r.megabytesPerSecond() / haproxy.megabytesPerSecond(), r.p99Ms() / haproxy.p99Ms()));
      }
    }
    return t.toString();
  }
}
