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
import java.nio.charset.StandardCharsets;
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
      // one service's instances (the list itself holds one summary per service)
      await("read through node 3", () -> Http.send("GET", api(3) + "/v1/services/web", null).statusCode() == 200
        && Http.getJson(api(3) + "/v1/services/web").getJsonArray("instances").stream()
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

  /** The server's answer to ZooKeeper's {@code srvr} four-letter word; empty when it does not answer. */
  private static String srvr(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
      socket.setSoTimeout(2000);
      socket.getOutputStream().write("srvr".getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
    } catch (IOException e) {
      return "";
    }
  }

  private static boolean allRunning(int node) {
    try {
      JsonObject stages = Http.getJson(api(node) + "/v1/health").getJsonObject("stages");
      return stages != null && !stages.isEmpty()
        && stages.stream().allMatch(e -> "running".equals(((JsonObject) e.getValue()).getString("state")));
    } catch (Exception e) {
      return false;
    }
  }

  /**
   * The ensemble's leader killed with SIGKILL: the two others elect a new one, and registrations
   * go on through that quorum; what was registered before is still there, once.
   */
  @Test
  void theLeaderKilledRegistrationsGoOnThroughTheQuorum() throws Exception {
    new File(work.toString()).mkdirs();
    run(work, "start.sh");
    String zk = "127.0.0.1:" + (BASE + 1) + ",127.0.0.1:" + (BASE + 2) + ",127.0.0.1:" + (BASE + 3);
    String env = "ens-" + harness.runId();
    try (CuratorFramework ensemble = ZooKeeperClients.start(new JsonObject().put("connect", zk))) {
      ensemble.blockUntilConnected(20, TimeUnit.SECONDS);
      String definition = "/env/" + env + "/sd/web";
      ensemble.create().creatingParentsIfNeeded().forPath(definition,
        "{\"nerve\": {\"check_interval\": 0.2, \"checks\": [{\"type\": \"tcp\", \"timeout\": 0.5}]}}".getBytes());
      List<String> instances = new java.util.ArrayList<>();
      try (RegistrationWatcher reader = new RegistrationWatcher(ensemble, env, "web")) {
        for (int i = 0; i < 2; i++) {
          instances.add("ensemble-1-" + Harness.shortId(harness.runHttpd(Map.of("sd-env", env, "sd-name", "web"))));
        }
        await("registered in the ensemble", Duration.ofSeconds(60), () -> registered(ensemble, definition, instances));
        await("every stage running", Duration.ofSeconds(30), () -> allRunning(1) && allRunning(2) && allRunning(3));

        int leader = 0;
        for (int i = 1; i <= 3; i++) {
          if (srvr(BASE + i).contains("Mode: leader")) {
            leader = i;
          }
        }
        assertNotEquals(0, leader, "one server says it leads");
        String pid = Files.readString(work.resolve("zk" + leader).resolve("pid")).trim();
        long killed = System.nanoTime();
        Process kill = new ProcessBuilder("kill", "-9", pid).inheritIO().start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, kill.exitValue(), "kill -9 of ZooKeeper server " + leader);
        int dead = leader;
        await("a new leader among the other two", Duration.ofSeconds(60), () -> {
          for (int i = 1; i <= 3; i++) {
            if (i != dead && srvr(BASE + i).contains("Mode: leader")) {
              return true;
            }
          }
          return false;
        });
        long elected = System.nanoTime();

        instances.add("ensemble-1-" + Harness.shortId(harness.runHttpd(Map.of("sd-env", env, "sd-name", "web"))));
        long started = System.nanoTime();
        await("the next registration through the remaining quorum", Duration.ofSeconds(60),
          () -> registered(ensemble, definition, instances));
        long next = System.nanoTime();
        await("every stage running after the leader's death", Duration.ofSeconds(60),
          () -> allRunning(1) && allRunning(2) && allRunning(3));
        System.out.println("[EnsembleIT] leader zk" + dead + " killed: new leader elected in "
          + (elected - killed) / 1_000_000 + " ms; a container started after that registered in "
          + (next - started) / 1_000_000 + " ms (" + (next - killed) / 1_000_000 + " ms after the kill); every stage running "
          + (System.nanoTime() - killed) / 1_000_000 + " ms after the kill");

        // a later fact on the registrar's ordered path: one removal, its znode gone, the others once
        String gone = instances.remove(0);
        harness.docker().listContainersCmd().withLabelFilter(Map.of(Harness.RUN_LABEL, harness.runId())).exec().stream()
          .filter(c -> gone.endsWith(Harness.shortId(c.getId()))).forEach(c -> harness.remove(c.getId()));
        await("the removed container's znode gone, the others' once", Duration.ofSeconds(30),
          () -> registered(ensemble, definition, instances));
        assertEquals(1, reader.mostOfOneInstance(), "a reader saw one container twice: " + reader.mostOfOneInstanceSeen());
      }
    }
  }

  /** Exactly {@code instances} have a znode under the service, one each. */
  private static boolean registered(CuratorFramework zk, String definition, List<String> instances) throws Exception {
    if (zk.checkExists().forPath(definition + "/sd") == null) {
      return false;
    }
    List<String> children = zk.getChildren().forPath(definition + "/sd");
    return children.size() == instances.size()
      && children.stream().map(RegistrationWatcher::instanceOf).collect(java.util.stream.Collectors.toSet())
        .equals(new java.util.HashSet<>(instances));
  }
}
