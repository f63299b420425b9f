package dev.pharos.harness.bench;

import dev.pharos.bus.Addresses;
import dev.pharos.checks.CheckTypes;
import dev.pharos.harness.Harness;
import dev.pharos.health.HealthCheckerVerticle;
import dev.pharos.model.Container;
import dev.pharos.model.DefinitionParser;
import dev.pharos.model.Host;
import dev.pharos.model.PortBinding;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Active health checks against their floor, HAProxy 2.6's own checker, in one run: N endpoints
 * on loopback (A addresses 127.0.x.y times P ports, one HAProxy process as the server),
 * each checked every second, tcp and then http ({@code GET /health}, a new connection per check,
 * as both Nerve and HAProxy do). Checks per second are counted alike for both checkers: http
 * checks as requests by the server, tcp checks as connections the kernel opened; CPU is each checker's own process
 * (HAProxy's from {@code /proc}, Pharos's health checker alone in this JVM), the server's apart.
 * {@code test-harness/bench/run.sh checks}: {@code CheckThroughputBench [endpoints (10000)] [seconds (10)]}.
 */
public final class CheckThroughputBench {

  private static final int PORTS = 100;
  private static final long TICKS_PER_SECOND = 100; // USER_HZ, for /proc/<pid>/stat

  /** What one checker sustained: checks per second (server-counted) and cores, its own and the server's. */
  private record Figures(double checksPerSecond, double cores, double serverCores, long up) {

    double microsPerCheck() {
      return cores * 1e6 / checksPerSecond;
    }
  }

  /**
   * The server: one HAProxy process (one thread) answering {@code 200 ok} on {@link #PORTS}
   * ports of every address, counting connections and requests ({@code show info}). A C server,
   * so that on these 2 cores what the checkers are measured against is not starved by the
   * server itself (a Netty server here took 0.75 cores for 7,000 requests a second).
   */
  private static final class Targets implements AutoCloseable {
    final Process process;
    final Path stats;
    final int basePort;

    Targets(int basePort) throws Exception {
      this.basePort = basePort;
      Path work = Files.createTempDirectory("pharos-bench-targets");
      stats = work.resolve("stats.sock");
      Path file = Files.writeString(work.resolve("targets.cfg"), String.format(Locale.ROOT, """
        global
          nbthread 1
          maxconn 5000
          stats socket %s
        defaults
          mode http
          timeout client 5s
          timeout http-request 5s
        frontend targets
          bind 0.0.0.0:%d-%d backlog 4096
          http-request return status 200 content-type text/plain string ok
        """, stats, basePort, basePort + PORTS - 1));
      process = new ProcessBuilder("haproxy", "-db", "-f", file.toString()).redirectErrorStream(true)
        .redirectOutput(work.resolve("targets.log").toFile()).start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!Files.exists(stats)) {
        if (!process.isAlive() || System.nanoTime() > deadline) {
          throw new IllegalStateException("the check targets did not start: " + Files.readString(work.resolve("targets.log")));
        }
        Thread.sleep(50);
      }
    }

    /** Connections and requests served so far. */
    long[] counts() throws IOException {
      long connections = -1;
      long requests = -1;
      for (String line : haproxyCommand(stats, "show info").lines().toList()) {
        if (line.startsWith("CumConns: ")) {
          connections = Long.parseLong(line.substring(10).trim());
        } else if (line.startsWith("CumReq: ")) {
          requests = Long.parseLong(line.substring(8).trim());
        }
      }
      if (connections < 0 || requests < 0) {
        throw new IllegalStateException("no CumConns/CumReq from the check targets' stats socket");
      }
      return new long[] {connections, requests};
    }

    @Override
    public void close() throws InterruptedException {
      process.destroy();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    int addresses = Math.max(1, n / PORTS);
    int basePort = freeRun(PORTS);
    try (Targets targets = new Targets(basePort); Harness harness = new Harness()) {
      Figures pharosTcp = pharos("tcp", addresses, seconds, targets, harness.connect());
      Figures pharosHttp = pharos("http", addresses, seconds, targets, harness.connect());
      Figures haproxyTcp = haproxy("tcp", addresses, seconds, targets);
      Figures haproxyHttp = haproxy("http", addresses, seconds, targets);
      String table = String.format(Locale.ROOT, """
          Active health checks, %d endpoints (%d loopback addresses x %d ports, one server process) each checked every second, a new connection per check; http checks counted by the server, tcp checks by the kernel's opened connections, %d s measured per row after a warm-up, each row started with fewer than 20,000 connection-tracking entries; the server is HAProxy 2.6 answering 200 on one thread

          | checker | check | checks/s | CPU (cores) | CPU per check (us) | endpoints up at the end | server CPU (cores) |
          |---|---|---:|---:|---:|---:|---:|
          | Pharos health checker | tcp | %.0f | %.2f | %.1f | %d | %.2f |
          | HAProxy 2.6 (`check inter 1s`) | tcp | %.0f | %.2f | %.1f | %d | %.2f |
          | Pharos health checker | http | %.0f | %.2f | %.1f | %d | %.2f |
          | HAProxy 2.6 (`option httpchk`) | http | %.0f | %.2f | %.1f | %d | %.2f |
          | ratio Pharos / HAProxy | tcp | %.2fx | | %.2fx | | |
          | ratio Pharos / HAProxy | http | %.2fx | | %.2fx | | |
          """, addresses * PORTS, addresses, PORTS, seconds,
        pharosTcp.checksPerSecond(), pharosTcp.cores(), pharosTcp.microsPerCheck(), pharosTcp.up(), pharosTcp.serverCores(),
        haproxyTcp.checksPerSecond(), haproxyTcp.cores(), haproxyTcp.microsPerCheck(), haproxyTcp.up(), haproxyTcp.serverCores(),
        pharosHttp.checksPerSecond(), pharosHttp.cores(), pharosHttp.microsPerCheck(), pharosHttp.up(), pharosHttp.serverCores(),
        haproxyHttp.checksPerSecond(), haproxyHttp.cores(), haproxyHttp.microsPerCheck(), haproxyHttp.up(), haproxyHttp.serverCores(),
        pharosTcp.checksPerSecond() / haproxyTcp.checksPerSecond(), pharosTcp.microsPerCheck() / haproxyTcp.microsPerCheck(),
        pharosHttp.checksPerSecond() / haproxyHttp.checksPerSecond(), pharosHttp.microsPerCheck() / haproxyHttp.microsPerCheck());
      BenchOutput.publish("checks", table);
    }
  }

  /** The first of {@code count} consecutive free ports, below the kernel's ephemeral range. */
  private static int freeRun(int count) {
    for (int base = 20_000; base + count < 32_000; base += count) {
      boolean free = true;
      for (int p = base; p < base + count && free; p++) {
        try (var probe = new java.net.ServerSocket(p)) {
          probe.setReuseAddress(true);
        } catch (IOException e) {
          free = false;
        }
      }
      if (free) {
        return base;
      }
    }
    throw new IllegalStateException("no run of " + count + " free ports");
  }

  private static String address(int a) {
    return "127.0." + (1 + a / 250) + "." + (1 + a % 250);
  }

  /** Warm-up, then {@code seconds} counted at the server while the checker's CPU is read. */
  private static Figures measure(String type, int seconds, Targets targets, CpuClock checker, UpCount upCount) throws Exception {
    Thread.sleep(5000); // every endpoint past its first checks, the JIT warm
    boolean tcp = "tcp".equals(type);
    long served0 = tcp ? activeOpens() : targets.counts()[1];
    long cpu0 = checker.nanos();
    long server0 = procCpuNanos(targets.process.pid());
    long t0 = System.nanoTime();
    Thread.sleep(seconds * 1000L);
    double elapsed = (System.nanoTime() - t0) / 1e9;
    long served = (tcp ? activeOpens() : targets.counts()[1]) - served0;
    Figures figures = new Figures(served / elapsed, (checker.nanos() - cpu0) / 1e9 / elapsed,
      (procCpuNanos(targets.process.pid()) - server0) / 1e9 / elapsed, upCount.up());
    System.err.printf(Locale.ROOT, "%s checks: %s%n", type, figures);
    return figures;
  }

  @FunctionalInterface
  private interface CpuClock {
    long nanos() throws IOException;
  }

  /** How many endpoints the checker holds up at the end of the run. */
  @FunctionalInterface
  private interface UpCount {
    long up() throws Exception;
  }

  private static Figures pharos(String type, int addresses, int seconds, Targets targets, String zookeeper) throws Exception {
    awaitConntrackDrained();
    // the launcher's transport: native epoll
    Vertx vertx = Vertx.vertx(new io.vertx.core.VertxOptions().setPreferNativeTransport(true));
    if (!vertx.isNativeTransportEnabled()) {
      throw new IllegalStateException("no native transport: " + vertx.unavailableNativeTransportCause());
    }
    try {
      JsonObject conf = new JsonObject().put("instanceId", "bench-" + type)
        .put("zookeeper", new JsonObject().put("connect", zookeeper));
      vertx.deployVerticle(new HealthCheckerVerticle(), new DeploymentOptions().setConfig(conf)).await(10, TimeUnit.SECONDS);
      // the bench plays the watchers: it publishes their facts, the bus contract being public
      String check = "tcp".equals(type) ? "{\"type\": \"tcp\", \"timeout\": 1}"
        : "{\"type\": \"http\", \"uri\": \"/health\", \"timeout\": 1, \"open_timeout\": 1}";
      var definition = DefinitionParser.parse("bench", "checks", 1, ("{\"nerve\": {\"check_interval\": 1, \"checks\": ["
        + check + "]}}").getBytes(), CheckTypes.standard());
      vertx.eventBus().publish(Addresses.DEFINITIONS, new JsonObject().put("type", "put").put("definition", definition.toJson()));
      for (int a = 0; a < addresses; a++) {
        JsonArray containers = new JsonArray();
        for (int p = 0; p < PORTS; p++) {
          String id = String.format(Locale.ROOT, "%06x%06x%052x", a + 1, p + 1, 0); // short ids differ
          containers.add(Container.of(id, "c" + a + "-" + p, "bench", Map.of("sd-env", "bench", "sd-name", "checks"),
            List.of(new PortBinding(80, targets.basePort + p, "tcp")), false).toJson());
        }
        vertx.eventBus().publish(Addresses.CONTAINERS, new JsonObject().put("type", "snapshot")
          .put("host", new Host("bench-" + a, address(a)).toJson()).put("containers", containers));
      }
      return measure(type, seconds, targets, CheckThroughputBench::ownCpuNanos, () -> {
        JsonObject snapshot = vertx.eventBus().<JsonObject>request(Addresses.INSTANCES_SNAPSHOT, new JsonObject())
          .await(30, TimeUnit.SECONDS).body();
        // why the others are down, by their last check's words
        Map<String, Integer> why = new java.util.TreeMap<>();
        snapshot.getJsonArray("watches").forEach(w -> {
          JsonObject watch = (JsonObject) w;
          if (!Boolean.TRUE.equals(watch.getBoolean("up"))) {
            JsonObject last = watch.getJsonArray("checks").getJsonObject(0).getJsonObject("last");
            String detail = last == null ? "not checked yet" : last.getString("detail");
            why.merge(detail.replaceAll(": [0-9.:]+$", ""), 1, Integer::sum); // without the endpoint
          }
        });
        if (!why.isEmpty()) {
          System.err.println("Pharos " + type + ": endpoints down at the end, by their last check: " + why);
        }
        return snapshot.getJsonArray("instances").size();
      });
    } finally {
      vertx.close().await(120, TimeUnit.SECONDS);
    }
  }

  /**
   * HAProxy as its documentation runs active checks: one backend, a server line per endpoint with
   * {@code check inter 1s}.
   */
  private static Figures haproxy(String type, int addresses, int seconds, Targets targets) throws Exception {
    awaitConntrackDrained();
    Path work = Files.createTempDirectory("pharos-bench-haproxy");
    StringBuilder cfg = new StringBuilder(String.format(Locale.ROOT, """
      global
        maxconn 4000
        stats socket %s
      defaults
        mode %s
        timeout connect 1s
        timeout client 5s
        timeout server 5s
        timeout check 1s
      frontend unused
        bind 127.0.0.1:%d
        default_backend checked
      backend checked
      """, work.resolve("stats.sock"), type, Harness.freePort()));
    if ("http".equals(type)) {
      cfg.append("  option httpchk GET /health\n");
    }
    for (int a = 0; a < addresses; a++) {
      for (int p = 0; p < PORTS; p++) {
        cfg.append("  server e").append(a).append('-').append(p).append(' ').append(address(a)).append(':')
          .append(targets.basePort + p).append(" check inter 1s rise 1 fall 1\n");
      }
    }
    Path file = Files.writeString(work.resolve("haproxy.cfg"), cfg);
    Process haproxy = new ProcessBuilder("haproxy", "-db", "-f", file.toString()).redirectErrorStream(true)
      .redirectOutput(work.resolve("haproxy.log").toFile()).start();
    try {
      Figures figures = measure(type, seconds, targets, () -> procCpuNanos(haproxy.pid()),
        () -> haproxyServersUp(work.resolve("stats.sock")));
      if (!haproxy.isAlive()) {
        throw new IllegalStateException("haproxy exited: " + Files.readString(work.resolve("haproxy.log")));
      }
      return figures;
    } finally {
      haproxy.destroy();
      haproxy.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** Servers HAProxy holds UP, from {@code show stat} on its stats socket. */
  private static long haproxyServersUp(Path socket) throws IOException {
    return haproxyCommand(socket, "show stat").lines()
      .filter(l -> l.startsWith("checked,e") && l.contains(",UP,")).count();
  }

  /** One command's whole answer on an HAProxy stats socket. */
  private static String haproxyCommand(Path socket, String command) throws IOException {
    try (var channel = java.nio.channels.SocketChannel.open(java.net.UnixDomainSocketAddress.of(socket))) {
      channel.write(java.nio.ByteBuffer.wrap((command + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
      var out = new java.io.ByteArrayOutputStream();
      var buffer = java.nio.ByteBuffer.allocate(1 << 16);
      while (channel.read(buffer) > 0) {
        out.write(buffer.array(), 0, buffer.position());
        buffer.clear();
      }
      return out.toString(java.nio.charset.StandardCharsets.US_ASCII);
    }
  }

  /** Entries the kernel's connection tracking may hold when a row starts. */
  private static final long CONNTRACK_START = 20_000;
  private static final Path CONNTRACK_COUNT = Path.of("/proc/sys/net/netfilter/nf_conntrack_count");

  /**
   * Waits (at most 150 s) for the kernel's connection-tracking table, which Docker's iptables
   * rules switch on for loopback too, to hold fewer than {@link #CONNTRACK_START} entries. A
   * check closed with a reset leaves an entry for 10 s, one closed with FINs (HAProxy's http
   * checks) for 120 s in TIME_WAIT: 10,000 a second of those fill the default table of 262,144
   * in half a minute, and a full table drops SYNs, so a row right after another run's http row
   * would time out on the kernel's account, not its checker's.
   */
  private static void awaitConntrackDrained() throws Exception {
    if (!Files.exists(CONNTRACK_COUNT)) {
      return;
    }
    long start = System.nanoTime();
    long count = conntrackCount();
    while (count >= CONNTRACK_START && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(150)) {
      Thread.sleep(1000);
      count = conntrackCount();
    }
    System.err.printf(Locale.ROOT, "connection tracking: %d entries after %.0f s%n", count, (System.nanoTime() - start) / 1e9);
  }

  private static long conntrackCount() throws IOException {
    // in one read: a sysctl file answers a read from an offset past 0 with nothing, and
    // Files.readString of a file of size 0 reads its first byte alone
    try (var in = Files.newInputStream(CONNTRACK_COUNT)) {
      return Long.parseLong(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII).trim());
    }
  }

  /**
   * Connections this machine opened ({@code Tcp: ActiveOpens} of {@code /proc/net/snmp}): a tcp
   * check is one. HAProxy answers the server's SYN-ACK with a reset, so the server never accepts
   * its checks and cannot count them; the kernel counts both checkers alike (and, as noise, the
   * few other connections opened meanwhile on this machine).
   */
  private static long activeOpens() throws IOException {
    List<String> lines = Files.readAllLines(Path.of("/proc/net/snmp"));
    for (int i = 0; i + 1 < lines.size(); i++) {
      if (lines.get(i).startsWith("Tcp:") && lines.get(i + 1).startsWith("Tcp:")) {
        List<String> names = List.of(lines.get(i).split(" "));
        return Long.parseLong(lines.get(i + 1).split(" ")[names.indexOf("ActiveOpens")]);
      }
    }
    throw new IllegalStateException("no Tcp counters in /proc/net/snmp");
  }

  private static long ownCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  /** User plus system time of a process, from {@code /proc/<pid>/stat} (fields 14 and 15). */
  private static long procCpuNanos(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    return ticks * 1_000_000_000L / TICKS_PER_SECOND;
  }

  private CheckThroughputBench() {
  }
}
