package dev.pharos.harness;

import dev.pharos.launcher.Pharos;
import io.vertx.core.json.JsonObject;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static dev.pharos.harness.Harness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A long GC pause: the Pharos process that watches the Docker host and owns its instances is
 * stopped with SIGSTOP for longer than its ZooKeeper session. ZooKeeper expires the session, its
 * registrations go with it and the other node's checker and registrar take them over. On SIGCONT
 * the paused process finds its session expired, joins again with a new one and takes its
 * instances back; a Synapse-style reader never sees an instance twice, nothing stays behind,
 * and every stage of the resumed node is running again.
 */
class PausedNodeIT extends EndToEndTest {

  private static final int SESSION_MS = 4000;
  private static final int CONTAINERS = 3;
  private static final String APP = "paused";

  private JsonObject conf(String node, JsonObject verticles) {
    return conf(node, verticles, new JsonObject());
  }

  private JsonObject conf(String node, JsonObject verticles, JsonObject extra) {
    return harness.conf("host-" + harness.runId(), extra.copy().put("node", node)
      .put("zookeeper", new JsonObject().put("sessionTimeoutMs", SESSION_MS))
      .put("cluster", new JsonObject().put("enabled", true).put("host", "127.0.0.1").put("port", 0))
      .put("verticles", verticles));
  }

  /** Sessions holding the service's registrations, when there is exactly one per container; else null. */
  private Set<Long> holders(int expected) throws Exception {
    String parent = "/env/dev/sd/" + APP + "/sd";
    List<String> children = harness.zk().checkExists().forPath(parent) == null ? List.of()
      : harness.zk().getChildren().forPath(parent);
    Set<String> instances = new HashSet<>();
    Set<Long> sessions = new HashSet<>();
    for (String child : children) {
      instances.add(RegistrationWatcher.instanceOf(child));
      Stat stat = harness.zk().checkExists().forPath(parent + "/" + child);
      if (stat != null) {
        sessions.add(stat.getEphemeralOwner());
      }
    }
    return children.size() == expected && instances.size() == expected ? sessions : null;
  }

  /** Every stage in the node's {@code /v1/health} is {@code running}; false while it does not answer. */
  private static boolean allRunning(String api) {
    try {
      JsonObject stages = Http.getJson(api + "/v1/health").getJsonObject("stages");
      return stages != null && !stages.isEmpty()
        && stages.stream().allMatch(e -> "running".equals(((JsonObject) e.getValue()).getString("state")));
    } catch (Exception | AssertionError notYet) {
      return false;
    }
  }

  private static void signal(Process proc, String signal) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(proc.pid())).inheritIO().start();
    assertTrue(kill.waitFor(10, TimeUnit.SECONDS), "kill -" + signal + " finished");
    assertEquals(0, kill.exitValue(), "kill -" + signal + " succeeded");
  }

  private static void log(String what) {
    System.out.println(java.time.LocalTime.now() + " [PausedNodeIT] " + what);
  }

  @Test
  void aNodePausedPastItsSessionHandsOverAndTakesBackWithoutADuplicate() throws Exception {
    Path work = Files.createTempDirectory("pharos-paused");
    int apiPort = Harness.freePort();
    JsonObject owner = conf("proc", new JsonObject().put("docker-watcher", new JsonObject())
      .put("definition-watcher", new JsonObject()).put("health-checker", new JsonObject())
      .put("registrar", new JsonObject()).put("api", new JsonObject()),
      new JsonObject().put("api", new JsonObject().put("port", apiPort)));
    String procApi = "http://127.0.0.1:" + apiPort;
    Pharos other = harness.start(conf("other", new JsonObject().put("definition-watcher", new JsonObject())
      .put("health-checker", new JsonObject()).put("registrar", new JsonObject()).put("api", new JsonObject())));
    harness.define("dev", APP, """
      {"nerve": {"check_interval": 0.5, "checks": [{"type": "tcp", "timeout": 0.5}]}}""");
    List<String> containers = new ArrayList<>();
    for (int i = 0; i < CONTAINERS; i++) {
      containers.add(harness.runHttpd(Map.of("sd-env", "dev", "sd-name", APP)));
    }
    Path file = work.resolve("proc.json");
    Files.writeString(file, owner.encodePrettily());
    Process proc = Harness.launch(file, work.resolve("proc.log"));
    boolean stopped = false;
    try (RegistrationWatcher reader = new RegistrationWatcher(harness.zk(), "dev", APP)) {
      await("registered by the host's own node", Duration.ofSeconds(60), () -> {
        Set<Long> s = holders(CONTAINERS);
        return s != null && s.size() == 1;
      });
      await("every stage of the host's node running", Duration.ofSeconds(30), () -> allRunning(procApi));
      long procSession = holders(CONTAINERS).iterator().next();

      long paused = System.nanoTime();
      signal(proc, "STOP"); // a GC pause: no goodbye, no heartbeat, the session expires on the server
      stopped = true;
      await("taken over by the other node while the host's node is paused", Duration.ofSeconds(SESSION_MS / 1000 + 30), () -> {
        Set<Long> s = holders(CONTAINERS);
        return s != null && s.size() == 1 && !s.contains(procSession);
      });
      long otherSession = holders(CONTAINERS).iterator().next();
      log("handover while paused: " + (System.nanoTime() - paused) / 1_000_000 + " ms after SIGSTOP (session "
        + SESSION_MS + " ms)");

      int gapsBefore = reader.deregistrations().size(); // the expiry's: inherent to an expired session
      int replacementsBefore = reader.replacements();
      long resumed = System.nanoTime();
      signal(proc, "CONT");
      stopped = false;
      await("taken back by the resumed node under a new session", Duration.ofSeconds(60), () -> {
        Set<Long> s = holders(CONTAINERS);
        return s != null && s.size() == 1 && !s.contains(procSession) && !s.contains(otherSession);
      });
      long takenBack = System.nanoTime();
      await("every stage of the resumed node running", Duration.ofSeconds(60), () -> allRunning(procApi));
      long running = System.nanoTime();
      log("after SIGCONT: registrations taken back in " + (takenBack - resumed) / 1_000_000
        + " ms, every stage running in " + (running - resumed) / 1_000_000 + " ms, "
        + (reader.replacements() - replacementsBefore) + " replacements seen for " + CONTAINERS + " instances");
      assertTrue(proc.isAlive(), "the resumed node is still running");
      // taken back once each: a resumed node decides by its group only once the group shows its new session
      int replaced = reader.replacements() - replacementsBefore;
      assertTrue(replaced <= CONTAINERS, replaced + " replacements of " + CONTAINERS + " instances after SIGCONT");

      // no ghost: a container removed after the resume is deregistered, the others stay once,
      // a later fact on the resumed registrar's ordered path
      String gone = containers.remove(0);
      harness.remove(gone);
      await("the removed container's znode gone, the others' once", Duration.ofSeconds(30), () -> {
        Set<Long> s = holders(CONTAINERS - 1);
        return s != null && s.size() == 1 && !s.contains(procSession) && !s.contains(otherSession)
          && harness.registrations("dev", APP).keySet().stream().noneMatch(c -> c.contains(Harness.shortId(gone)));
      });
      assertEquals(1, reader.mostOfOneInstance(), "a reader saw one container twice: " + reader.mostOfOneInstanceSeen());
      List<String> gaps = reader.deregistrations().subList(gapsBefore, reader.deregistrations().size()).stream()
        .filter(d -> !d.contains(Harness.shortId(gone))).toList();
      assertEquals(List.of(), gaps, "after SIGCONT a reader saw a running container's registration vanish");
    } finally {
      if (stopped) {
        signal(proc, "CONT");
      }
      proc.destroy();
      proc.waitFor(30, TimeUnit.SECONDS);
      proc.destroyForcibly();
      harness.stop(other);
      containers.forEach(harness::remove);
    }
  }
}
