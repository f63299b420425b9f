package dev.pharos.harness.bench;

import dev.pharos.harness.Harness;
import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One Pharos node as a process of its own ({@code java @deploy/jvm.options -jar pharos-all.jar},
 * see {@link Harness#launch}), so that its CPU and memory are its own: clustered on the bench's
 * ZooKeeper chroot, running the stages that divide the synthetic hosts' instances.
 */
final class NodeProcess {

  private final String name;
  private final Process process;
  private final Path log;

  private NodeProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  /** Starts node {@code name}; {@code api} adds the api stage (one node of the cluster runs it). */
  static NodeProcess launch(Harness harness, Path dir, String name, boolean api, String rootPath, int sessionTimeoutMs)
    throws Exception {
    JsonObject verticles = new JsonObject();
    List.of("definition-watcher", "health-checker", "registrar").forEach(s -> verticles.put(s, new JsonObject()));
    if (api) {
      verticles.put("api", new JsonObject());
    }
    JsonObject conf = new JsonObject()
      .put("instanceId", "bench-" + name).put("node", name).put("hostIp", "127.0.0.1")
      .put("zookeeper", new JsonObject().put("connect", harness.connect()).put("sessionTimeoutMs", sessionTimeoutMs))
      .put("cluster", new JsonObject().put("enabled", true).put("host", "127.0.0.1").put("port", 0).put("rootPath", rootPath))
      .put("api", new JsonObject().put("host", "127.0.0.1").put("port", api ? Harness.freePort() : 0))
      .put("verticles", verticles);
    Path confFile = Files.writeString(dir.resolve(name + ".json"), conf.encodePrettily());
    Path log = dir.resolve(name + ".log");
    // the launcher's JVM settings, so CPU and RSS are what a deployed node's would be
    Path jar = Path.of(System.getProperty("pharos.jar", "../deploy/target/pharos-all.jar")).toAbsolutePath();
    Path options = jar.getParent().getParent().resolve("jvm.options");
    List<String> jvm = new java.util.ArrayList<>(List.of("@" + options));
    // to look inside a node under load: -Dbench.nodeJvmOptions="-XX:StartFlightRecording=...;-Xlog:gc" (";" or " " between)
    for (String extra : System.getProperty("bench.nodeJvmOptions", "").split("[ ;]")) {
      if (!extra.isBlank()) {
        jvm.add(extra.replace("{node}", name));
      }
    }
    return new NodeProcess(name, Harness.launch(jvm, confFile, log), log);
  }

  String name() {
    return name;
  }

  Path log() {
    return log;
  }

  boolean alive() {
    return process.isAlive();
  }

  /** CPU time the process has used so far, all threads, in seconds. */
  double cpuSeconds() {
    return process.toHandle().info().totalCpuDuration().orElse(Duration.ZERO).toNanos() / 1e9;
  }

  /** Resident set size now, in MiB ({@code VmRSS} of {@code /proc/<pid>/status}). */
  double rssMib() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
      }
    }
    throw new IllegalStateException("no VmRSS for process " + process.pid());
  }

  /** {@code kill -9}: no goodbye to ZooKeeper, its session lives on until it times out. */
  void kill() throws Exception {
    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
  }

  /** SIGTERM (a clean stop, its registrations handed over), without waiting. */
  void stop() {
    process.destroy();
  }

  /** Waits for the process to end, killing it when it has not within {@code timeout}. */
  void awaitExit(Duration timeout) throws Exception {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      kill();
    }
  }
}
