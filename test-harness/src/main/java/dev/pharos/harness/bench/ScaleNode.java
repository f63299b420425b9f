package dev.pharos.harness.bench;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Pharos node as the launcher runs it: {@code deploy/launch.sh pharos-all.jar --conf F}
 * (what {@code deploy/run.sh} does: {@code deploy/jvm.options}, a class-data archive and
 * {@code MALLOC_ARENA_MAX=2}), a process of its
 * own so that its start, its memory and its ZooKeeper connections are its own. Asked over its
 * api (health, descriptors, metrics) and its DNS port.
 */
final class ScaleNode implements AutoCloseable {

  private static final Pattern BUS = Pattern.compile(
    "^vertx_eventbus_(published|sent)_total\\{address=\"([^\"]*)\".*} ([0-9.eE+-]+)$", Pattern.MULTILINE);
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final Process process;
  private final long startedNanos;
  private final long startedMillis = System.currentTimeMillis();
  private Path log;
  private final String api;
  private final int dnsPort;

  private ScaleNode(Process process, long startedNanos, String api, int dnsPort) {
    this.process = process;
    this.startedNanos = startedNanos;
    this.api = api;
    this.dnsPort = dnsPort;
  }

  /**
   * Launches a node with {@code conf} (its api and DNS ports among it), its output to
   * {@code dir/name.log}, through {@code deploy/launch.sh} with a class-data archive in
   * {@code dir} named after the conf's stages. When that archive is not there yet, a first start with the same conf
   * records it (started, healthy, stopped), so that the measured start is a user's second and
   * later one and this process's pid is the JVM's.
   */
  static ScaleNode launch(Path dir, String name, JsonObject conf) throws Exception {
    Path jar = Path.of(System.getProperty("pharos.jar", "../deploy/target/pharos-all.jar")).toAbsolutePath();
    Path launcher = jar.getParent().getParent().resolve("launch.sh");
    if (!Files.isRegularFile(jar) || !Files.isRegularFile(launcher)) {
      throw new IllegalStateException("needs " + jar + " (built by the deploy module) and " + launcher);
    }
    // one archive per set of stages, as one node's own start would record for its conf
    Path archive = dir.resolve("pharos-" + String.join("+", new java.util.TreeSet<>(conf.getJsonObject("verticles").fieldNames())) + ".jsa");
    Path confFile = Files.writeString(dir.resolve(name + ".json"), conf.encodePrettily());
    if (!Files.isRegularFile(archive)) {
      try (ScaleNode recording = start(dir, name + "-recording", conf, launcher, jar, archive, confFile)) {
        recording.awaitHealthy(Duration.ofSeconds(180));
      }
      if (!Files.isRegularFile(archive)) {
        System.err.println("no class-data archive was recorded at " + archive + "; starting without it");
      }
    }
    return start(dir, name, conf, launcher, jar, archive, confFile);
  }

  private static ScaleNode start(Path dir, String name, JsonObject conf, Path launcher, Path jar, Path archive,
                                 Path confFile) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(launcher.toString(), jar.toString(), "--conf", confFile.toString())
      .directory(dir.toFile());
    pb.environment().put("PHAROS_CDS", archive.toString());
    pb.environment().put("JAVA_OPTS", "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"));
    pb.environment().remove("ZK_HOSTS");
    pb.environment().remove("ETCD_ENDPOINTS");
    pb.redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile());
    long started = System.nanoTime();
    Process process = pb.start();
    Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
    JsonObject apiConf = conf.getJsonObject("api");
    JsonObject dnsConf = conf.getJsonObject("dns", new JsonObject());
    ScaleNode node = new ScaleNode(process, started, "http://127.0.0.1:" + apiConf.getInteger("port"), dnsConf.getInteger("port", 0));
    node.log = dir.resolve(name + ".log");
    return node;
  }

  long pid() {
    return process.pid();
  }

  String api() {
    return api;
  }

  int dnsPort() {
    return dnsPort;
  }

  /** From the launch to the time of the log's first line ({@code HH:mm:ss.SSS}, this machine's clock, UTC), in ms. */
  double firstLogMs() throws IOException {
    String first = Files.readAllLines(log).stream().filter(l -> l.matches("^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} .*")).findFirst()
      .orElseThrow(() -> new IllegalStateException("no log line in " + log));
    java.time.LocalTime at = java.time.LocalTime.parse(first.substring(0, 12));
    java.time.LocalTime launched = java.time.Instant.ofEpochMilli(startedMillis).atZone(java.time.ZoneId.systemDefault()).toLocalTime();
    return java.time.Duration.between(launched, at).toNanos() / 1e6;
  }

  double sinceStartMs() {
    return (System.nanoTime() - startedNanos) / 1e6;
  }

  /** Milliseconds from the process's start to {@code /v1/health} answering 200, polled every 20 ms. */
  double awaitHealthy(Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (get("/v1/health") != 200) {
      if (!process.isAlive()) {
        throw new IllegalStateException("the node exited (" + process.exitValue() + "); see its log");
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the node was not healthy within " + timeout);
      }
      Thread.sleep(20);
    }
    return (System.nanoTime() - startedNanos) / 1e6;
  }

  /** Milliseconds from the process's start until an A query for {@code name} gets {@code count} answers. */
  double awaitAnswers(String name, int count, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (answers(name, 100) != count) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(name + " was not answered with " + count + " addresses within " + timeout);
      }
      Thread.sleep(5);
    }
    return (System.nanoTime() - startedNanos) / 1e6;
  }

  /** The status of a GET of {@code path}, or -1 when the api does not answer in 5 s. */
  int get(String path) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create(api + path)).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  String body(String path) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(api + path)).timeout(Duration.ofSeconds(30)).build(),
      HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException("GET " + path + ": " + r.statusCode() + " " + r.body());
    }
    return r.body();
  }

  int send(String method, String path, String json) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(api + path)).timeout(Duration.ofSeconds(10))
      .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json))
      .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  /** Bus messages published and sent so far, by address (Vert.x's counters on {@code /metrics}). */
  Map<String, Double> busMessages() throws Exception {
    Map<String, Double> counts = new TreeMap<>();
    Matcher m = BUS.matcher(body("/metrics"));
    while (m.find()) {
      counts.merge(m.group(2), Double.parseDouble(m.group(3)), Double::sum);
    }
    return counts;
  }

  /** How many answer records the node's DNS gives an A query for {@code name}; see {@link DnsProbe}. */
  int answers(String name, int timeoutMs) throws IOException {
    return DnsProbe.answers(dnsPort, name, timeoutMs);
  }

  double rssMib() throws IOException {
    return rssMib(process.pid());
  }

  /** {@code VmRSS} of {@code /proc/<pid>/status}, in MiB. */
  static double rssMib(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
      }
    }
    throw new IllegalStateException("no VmRSS for process " + pid);
  }

  /** CPU seconds the process has used. */
  double cpuSeconds() {
    return process.toHandle().info().totalCpuDuration().orElse(Duration.ZERO).toNanos() / 1e9;
  }

  /** SIGTERM, then SIGKILL after 30 s. */
  @Override
  public void close() throws Exception {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  static List<String> descriptors(int apps, List<Integer> ports) {
    return java.util.stream.IntStream.range(0, ports.size())
      .mapToObj(k -> "BACKEND_S" + k + "=" + RegistryFill.app(k * (apps / ports.size())) + ";" + ports.get(k)).toList();
  }
}
