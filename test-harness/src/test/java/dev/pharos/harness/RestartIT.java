package dev.pharos.harness;

import dev.pharos.launcher.Pharos;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.pharos.harness.Harness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Pharos killed with -9 and started again; dockerd restarted under a running Pharos. */
class RestartIT extends EndToEndTest {

  private static final String DEFINITION =
    "{\"nerve\": {\"check_interval\": 0.2, \"checks\": [{\"type\": \"http\", \"uri\": \"/index.html\", \"timeout\": 0.5}]}}";

  private Process process;

  @AfterEach
  void killProcess() throws Exception {
    if (process != null) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  private Map<String, JsonObject> registrations() throws Exception {
    return harness.registrations("dev", "restarted");
  }

  /**
   * The barrier behind "still exactly one": two more of the registrar's reconciles have started,
   * then a later container of the same app comes down the same path (docker watcher, checker,
   * registrar, the same znode parent) and registers. Returns that container's id.
   */
  private String afterTwoReconciles(String api) throws Exception {
    await("the api answers", () -> reconciles(api) >= 0); // a relaunched process registers before its api listens
    long before = reconciles(api);
    await("two more reconciles", () -> reconciles(api) >= before + 2);
    java.util.concurrent.atomic.AtomicReference<String> later = new java.util.concurrent.atomic.AtomicReference<>();
    // after a dockerd restart the harness's first request may meet a stale pooled connection
    await("a later container started", () -> later.get() != null
      || later.compareAndSet(null, harness.runHttpd(Map.of("sd-env", "dev", "sd-name", "restarted"))));
    await("a later container registered", () -> registrations().keySet().stream()
      .anyMatch(path -> path.contains(Harness.shortId(later.get()))));
    return later.get();
  }

  private static long reconciles(String api) throws Exception {
    return Http.getJson(api + "/v1/health").getJsonObject("stages").getJsonObject("registrar")
      .getJsonObject("details").getLong("reconciles", 0L);
  }

  private long registered(String containerId) throws Exception {
    return registrations().keySet().stream().filter(path -> path.contains(Harness.shortId(containerId))).count();
  }

  /** A conf file for a process with {@code instanceId}, and a session timeout far longer than the tests wait. */
  private Path confFile(String instanceId, int apiPort) throws Exception {
    JsonObject conf = new JsonObject().put("instanceId", instanceId).put("hostIp", "127.0.0.1")
      .put("zookeeper", new JsonObject().put("connect", harness.connect()).put("sessionTimeoutMs", 40_000))
      .put("api", new JsonObject().put("port", apiPort))
      .put("dns", new JsonObject().put("port", 0))
      .put("registrar", new JsonObject().put("reconcileIntervalMs", 1000));
    Path dir = Files.createTempDirectory("pharos-process");
    return Files.writeString(dir.resolve("pharos.json"), conf.encodePrettily());
  }

  @Test
  void sigtermRemovesTheRegistrationsAtOnce() throws Exception {
    harness.define("dev", "restarted", DEFINITION);
    Path confFile = confFile("term-" + harness.runId(), Harness.freePort());
    process = Harness.launch(confFile, confFile.resolveSibling("pharos.log"));
    harness.runHttpd(Map.of("sd-env", "dev", "sd-name", "restarted"));
    await("registered", Duration.ofSeconds(60), () -> registrations().size() == 1);
    process.destroy(); // SIGTERM: the shutdown hook closes the registrar's session
    assertTrue(process.waitFor(30, TimeUnit.SECONDS), "Pharos exits on SIGTERM");
    await("deregistered without waiting for the session to expire", Duration.ofSeconds(10),
      () -> registrations().isEmpty());
  }

  @Test
  void killMinusNineThenRestartLeavesNoGhostAndNoDuplicate() throws Exception {
    harness.define("dev", "restarted", DEFINITION);
    String instanceId = "kill-" + harness.runId();
    int apiPort = Harness.freePort();
    // ghosts must go by the sweep, not by the session's expiry
    Path confFile = confFile(instanceId, apiPort);
    Path log = confFile.resolveSibling("pharos.log");

    process = Harness.launch(confFile, log);
    String stays = harness.runHttpd(Map.of("sd-env", "dev", "sd-name", "restarted"));
    String stopped = harness.runHttpd(Map.of("sd-env", "dev", "sd-name", "restarted"));
    await("both registered by the first process", Duration.ofSeconds(60), () -> registrations().size() == 2);

    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // SIGKILL: no goodbye to ZooKeeper
    harness.docker().stopContainerCmd(stopped).withTimeout(1).exec();
    assertEquals(2, registrations().size(), "the dead process's session still holds both");

    long restarted = System.nanoTime();
    process = Harness.launch(confFile, log);
    await("only the running container registered, once", Duration.ofSeconds(30), () -> {
      Map<String, JsonObject> now = registrations();
      return now.size() == 1 && now.keySet().iterator().next().startsWith(instanceId + "-" + Harness.shortId(stays) + "_");
    });
    assertTrue(System.nanoTime() - restarted < TimeUnit.SECONDS.toNanos(40), "before the old session could expire");
    afterTwoReconciles("http://127.0.0.1:" + apiPort);
    assertEquals(2, registrations().size(), registrations().toString());
    assertEquals(1, registered(stays), registrations().toString());
    JsonObject health = Http.getJson("http://127.0.0.1:" + apiPort + "/v1/health");
    assertEquals("UP", health.getString("status"), health.encodePrettily());
  }

  @Test
  void dockerdRestartRetractsWhatVanishedWhileItWasDown() throws Exception {
    Assumptions.assumeTrue(Boolean.TRUE.equals(harness.docker().infoCmd().exec().getRawValues().get("LiveRestoreEnabled")),
      "needs dockerd with live restore (test-harness/setup.sh sets it)");
    harness.define("dev", "restarted", DEFINITION);
    Pharos node = harness.start(harness.conf("dockerd-" + harness.runId(), new JsonObject()
      .put("docker", new JsonObject().put("reconnectMaxMs", 1000))));
    String api = Harness.api(node);
    String stays = harness.runHttpd(Map.of("sd-env", "dev", "sd-name", "restarted"));
    String vanishes = harness.runHttpd(Map.of("sd-env", "dev", "sd-name", "restarted"));
    await("both registered", () -> registrations().size() == 2);
    int pid = harness.docker().inspectContainerCmd(vanishes).exec().getState().getPidLong().intValue();

    run("bash", "dockerd.sh", "stop");
    try {
      run("kill", "-9", Integer.toString(pid)); // the container dies while nobody watches
      await("the watcher notices dockerd is gone", () -> "degraded".equals(Http.getJson(api + "/v1/health")
        .getJsonObject("stages").getJsonObject("docker-watcher").getString("state")));
    } finally {
      run("bash", "dockerd.sh", "start");
    }
    long back = System.nanoTime();
    await("the vanished container's znode gone", Duration.ofSeconds(60), () -> registrations().size() == 1);
    long retracted = System.nanoTime();
    assertTrue(registrations().keySet().iterator().next().contains(Harness.shortId(stays)));
    await("the watcher running again", () -> "running".equals(Http.getJson(api + "/v1/health")
      .getJsonObject("stages").getJsonObject("docker-watcher").getString("state")));
    System.out.println("[RestartIT] after dockerd.sh start returned: the vanished container's znode gone in "
      + (retracted - back) / 1_000_000 + " ms, the docker watcher running in " + (System.nanoTime() - back) / 1_000_000 + " ms");
    afterTwoReconciles(api);
    assertEquals(2, registrations().size(), registrations().toString());
    assertEquals(0, registered(vanishes), registrations().toString());
  }

  private static void run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).inheritIO().start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", cmd) + " did not finish");
    assertEquals(0, p.exitValue(), String.join(" ", cmd) + " failed");
  }
}
