package dev.pharos.harness;

import dev.pharos.launcher.Pharos;
import io.vertx.core.json.JsonObject;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * A Pharos process that watches the Docker host and owns its instances is killed with SIGKILL:
 * once its session expires, the other node's checker and registrar take its instances over;
 * when it comes back with the same name, it takes them back. A Synapse-style reader never sees
 * an instance twice.
 */
class NodeCrashIT extends EndToEndTest {

  private static final Logger LOG = LoggerFactory.getLogger(NodeCrashIT.class);
  private static final int SESSION_MS = 4000;
  private static final int CONTAINERS = 3;

  private JsonObject conf(String node, JsonObject verticles) {
    return harness.conf("host-" + harness.runId(), new JsonObject().put("node", node)
      .put("zookeeper", new JsonObject().put("sessionTimeoutMs", SESSION_MS))
      .put("cluster", new JsonObject().put("enabled", true).put("host", "127.0.0.1").put("port", 0))
      .put("verticles", verticles));
  }

  private Process launch(Path work, JsonObject conf) throws Exception {
    Path file = work.resolve("proc.json");
    Files.writeString(file, conf.encodePrettily());
    return Harness.launch(file, work.resolve("proc.log"));
  }

  /** Sessions holding the service's registrations, when there is exactly one per container; else null. */
  private Set<Long> holders(String app, int expected) throws Exception {
    String parent = "/env/dev/sd/" + app + "/sd";
    List<String> children = harness.zk().checkExists().forPath(parent) == null ? List.of()
      : harness.zk().getChildren().forPath(parent);
    Set<String> instances = new HashSet<>();
    Set<Long> sessions = new HashSet<>();
    for (String child : children) {
      instances.add(child.substring(0, child.lastIndexOf('_')));
      Stat stat = harness.zk().checkExists().forPath(parent + "/" + child);
      if (stat != null) {
        sessions.add(stat.getEphemeralOwner());
      }
    }
    return children.size() == expected && instances.size() == expected ? sessions : null;
  }

  @Test
  void aKilledOwnersInstancesMoveAfterItsSessionAndComeBackWithIt() throws Exception {
    Path work = Files.createTempDirectory("pharos-crash");
    JsonObject owner = conf("proc", new JsonObject().put("docker-watcher", new JsonObject())
      .put("definition-watcher", new JsonObject()).put("health-checker", new JsonObject()).put("registrar", new JsonObject()));
    Pharos other = harness.start(conf("other", new JsonObject().put("definition-watcher", new JsonObject())
      .put("health-checker", new JsonObject()).put("registrar", new JsonObject()).put("api", new JsonObject())));
    harness.define("dev", "crash", """
      {"nerve": {"check_interval": 0.5, "checks": [{"type": "tcp", "timeout": 0.5}]}}""");
    List<String> containers = new ArrayList<>();
    for (int i = 0; i < CONTAINERS; i++) {
      containers.add(harness.runHttpd(Map.of("sd-env", "dev", "sd-name", "crash")));
    }
    Process proc = launch(work, owner);
    try (RegistrationWatcher reader = new RegistrationWatcher(harness.zk(), "dev", "crash")) {
      await("registered by the host's own node", Duration.ofSeconds(60), () -> {
        Set<Long> s = holders("crash", CONTAINERS);
        return s != null && s.size() == 1;
      });
      long procSession = holders("crash", CONTAINERS).iterator().next();

      long killed = System.nanoTime();
      proc.destroyForcibly(); // SIGKILL: no goodbye, its session lives until the server expires it
      assertTrue(proc.waitFor(10, TimeUnit.SECONDS));
      await("taken over by the other node", Duration.ofSeconds(SESSION_MS / 1000 + 20), () -> {
        Set<Long> s = holders("crash", CONTAINERS);
        return s != null && s.size() == 1 && !s.contains(procSession);
      });
      long otherSession = holders("crash", CONTAINERS).iterator().next();
      LOG.info("handover after kill -9: {} ms (session timeout {} ms, check interval 500 ms)",
        (System.nanoTime() - killed) / 1_000_000, SESSION_MS);

      Process back = launch(work, owner);
      try {
        await("taken back by the host's own node", Duration.ofSeconds(60), () -> {
          Set<Long> s = holders("crash", CONTAINERS);
          return s != null && s.size() == 1 && !s.contains(procSession) && !s.contains(otherSession);
        });
        assertEquals(1, reader.mostPerInstance(), "a reader never saw one container twice");
      } finally {
        back.destroy();
        back.waitFor(30, TimeUnit.SECONDS);
      }
    } finally {
      proc.destroyForcibly();
      harness.stop(other);
      containers.forEach(harness::remove);
    }
  }
}
