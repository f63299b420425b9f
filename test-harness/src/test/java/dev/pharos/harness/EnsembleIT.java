package dev.pharos.harness;

import dev.pharos.zookeeper.ZooKeeperClients;
import io.vertx.core.json.JsonObject;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.pharos.harness.Harness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code deploy/ensemble/start.sh} as a user runs it: three ZooKeeper servers and three Pharos
 * jars whose stages are split by conf. A container seen by node 1, checked and registered by
 * node 2, is read through node 3; a Nesoi write on node 1 is read on node 3.
 */
class EnsembleIT extends EndToEndTest {

  private static final int BASE = Integer.getInteger("pharos.ensembleBase", 24180);
  private final Path work = Path.of("target", "ensemble").toAbsolutePath();

  private static void run(Path work, String script) throws Exception {
    assertEquals(0, exec(work, script, script + ".log"), script + " succeeded; see " + work.resolve(script + ".log"));
  }

  /** Runs a script of deploy/ensemble with its output in {@code log} under {@code work}; its exit code. */
  private static int exec(Path work, String script, String log) throws Exception {
    ProcessBuilder pb = new ProcessBuilder("bash", "../deploy/ensemble/" + script, work.toString()).redirectErrorStream(true)
      .redirectOutput(ProcessBuilder.Redirect.appendTo(work.resolve(log).toFile()));
    pb.environment().put("ENSEMBLE_PORT_BASE", String.valueOf(BASE));
    pb.environment().remove("ZK_HOSTS");
    Process p = pb.start();
    if (!p.waitFor(180, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(script + " did not finish within 180 s; see " + work.resolve(log));
    }
    return p.exitValue();
  }

  private static boolean listening(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * A foreign server on server 1's client port: start.sh once reported the ensemble serving while
   * its nodes joined a mix of that server and its own two. It must refuse before starting anything.
   */
  @Test
  void refusesToStartWhenOneOfItsPortsIsTaken() throws Exception {
    Files.createDirectories(work);
    String log = "start-taken-port.log";
    Files.deleteIfExists(work.resolve(log));
    try (ServerSocket foreign = new ServerSocket()) {
      foreign.bind(new InetSocketAddress("127.0.0.1", BASE + 1));
      assertNotEquals(0, exec(work, "start.sh", log), "start.sh failed");
      String out = Files.readString(work.resolve(log));
      assertTrue(out.contains("port " + (BASE + 1) + " (client port of ZooKeeper server 1) is already in use"), out);
      assertTrue(out.contains("pid=" + ProcessHandle.current().pid()), "names the holder: " + out);
      assertFalse(out.contains("ensemble serving"), out);
      // the script has exited: whatever it started would be listening or recorded by now
      for (int port : List.of(BASE + 2, BASE + 3, BASE + 31, BASE + 32, BASE + 33)) {
        assertFalse(listening(port), "nothing listens on " + port);
      }
      for (String name : List.of("zk1", "zk2", "zk3", "node1", "node2", "node3")) {
        assertFalse(Files.exists(work.resolve(name).resolve("pid")), name + " was not started");
      }
    }
  }

  @AfterEach
  void stopEnsemble() throws Exception {
    run(work, "stop.sh");
  }

  private static String api(int node) {
    return "http://127.0.0.1:" + (BASE + 30 + node);
  }

  @Test
  void registersThroughOneNodeAndReadsThroughAnother() throws Exception {
    new File(work.toString()).mkdirs();
    run(work, "start.sh");
    String zk = "127.0.0.1:" + (BASE + 1) + ",127.0.0.1:" + (BASE + 2) + ",127.0.0.1:" + (BASE + 3);
    try (CuratorFramework ensemble = ZooKeeperClients.start(new JsonObject().put("connect", zk))) {
      ensemble.blockUntilConnected(20, TimeUnit.SECONDS);
      String definition = "/env/ens-" + harness.runId() + "/sd/web";
      ensemble.create().creatingParentsIfNeeded().forPath(definition,
        "{\"nerve\": {\"check_interval\": 0.2, \"checks\": [{\"type\": \"tcp\", \"timeout\": 0.5}]}}".getBytes());

      String container = harness.runHttpd(Map.of("sd-env", "ens-" + harness.runId(), "sd-name", "web"));
      String instanceId = "ensemble-1-" + Harness.shortId(container);
      await("registered in the ensemble by node 2", Duration.ofSeconds(60), () -> ensemble.checkExists().forPath(definition + "/sd") != null
        && ensemble.getChildren().forPath(definition + "/sd").stream().anyMatch(c -> c.startsWith(instanceId + "_")));
      await("read through node 3", () -> Http.getJson(api(3) + "/v1/services").getJsonArray("services").stream()
        .flatMap(s -> ((JsonObject) s).getJsonArray("instances").stream())
        .anyMatch(i -> instanceId.equals(((JsonObject) i).getString("id")) && ((JsonObject) i).getBoolean("registered")));

      assertEquals(200, Http.send("PUT", api(1) + "/app/shop", "{\"name\":\"shop\", \"config\":{\"v\":1}}").statusCode());
      await("node 3 reads node 1's write", () -> Http.send("GET", api(3) + "/app/shop", null).statusCode() == 200);
      JsonObject health = Http.getJson(api(3) + "/v1/health");
      assertEquals(List.of("ensemble-1", "ensemble-2", "ensemble-3"), List.of(
        health.getJsonObject("stages").getJsonObject("docker-watcher").getString("node"),
        health.getJsonObject("stages").getJsonObject("registrar").getString("node"),
        health.getJsonObject("stages").getJsonObject("webhooks").getString("node")), "each stage where its node's conf put it");
    }
  }
}
