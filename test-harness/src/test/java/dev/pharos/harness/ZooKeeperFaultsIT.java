package dev.pharos.harness;

import dev.pharos.launcher.Pharos;
import io.vertx.core.json.JsonObject;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static dev.pharos.harness.Harness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One node with the default stages talks to ZooKeeper through a {@link FaultProxy} while twenty
 * labelled containers start; the connection is cut during the burst of registrations. Once
 * things settle each running container has exactly one znode and nothing else has any, and a
 * reader listing the service throughout never saw one instance twice nor lost a running one.
 *
 * <p>Two faults are blunt (connections dropped, everything stalled 1500 ms) and seldom land
 * inside a write; two aim at one registration's create and lose its reply after ZooKeeper
 * applied it, which is what makes Curator retry a create that succeeded.
 *
 * <p>The session is 4000 ms, so the ZooKeeper client gives up a silent connection after
 * 2667 ms (two thirds) and the server keeps the session for 4000 ms: every fault here is
 * shorter, so the session survives and only connections are lost.
 */
class ZooKeeperFaultsIT extends EndToEndTest {

  private static final int CONTAINERS = 20;
  private static final String ENV = "dev";
  private static final String APP = "burst";
  private static final String PARENT = "/env/" + ENV + "/sd/" + APP + "/sd";
  private static final String DEFINITION =
    "{\"nerve\": {\"check_interval\": 0.2, \"checks\": [{\"type\": \"tcp\", \"timeout\": 0.5}]}}";

  private FaultProxy proxy;
  private Pharos node;
  private String hostId;

  @BeforeEach
  void startNodeBehindProxy() throws Exception {
    proxy = FaultProxy.start(Harness.required("PHAROS_TEST_ZK"));
    hostId = "faults-" + harness.runId();
    JsonObject verticles = new JsonObject();
    List.of("docker-watcher", "definition-watcher", "health-checker", "registrar", "api")
      .forEach(s -> verticles.put(s, new JsonObject()));
    node = harness.start(harness.conf(hostId, new JsonObject()
      .put("zookeeper", new JsonObject().put("connect", proxy.address() + harness.chroot())
        .put("sessionTimeoutMs", 4000).put("connectionTimeoutMs", 3000))
      .put("verticles", verticles)));
    harness.define(ENV, APP, DEFINITION);
  }

  @AfterEach
  void stopNodeThenProxy() throws Exception {
    // the node says goodbye through the proxy: it must still forward
    proxy.resume();
    if (node != null) {
      harness.stop(node);
    }
    proxy.close();
  }

  @Test
  void connectionsDroppedDuringTheBurst() throws Exception {
    burst(() -> {
      // three cuts spread over the burst, each once the node has registered a few more
      for (int registered : new int[] {3, 8, 13}) {
        awaitRegistered(registered);
        proxy.drop();
        log("dropped every connection at " + registered + " registrations");
      }
      return null;
    });
    assertTrue(proxy.dropped() >= 3, "the proxy cut connections: " + proxy.dropped());
  }

  /**
   * 1500 ms is also under the client's 2667 ms read timeout: the connection usually stays and
   * replies just come late. What this guards is that a slow ZooKeeper alone makes no second
   * znode and loses none.
   */
  @Test
  void stallShorterThanTheSessionDuringTheBurst() throws Exception {
    burst(() -> {
      awaitRegistered(5);
      proxy.stall(FaultProxy.Direction.BOTH, Duration.ofMillis(1500));
      log("stalled both ways for 1500 ms at 5 registrations");
      return null;
    });
  }

  /**
   * A registration's create reaches ZooKeeper, which applies it; its reply is held and the
   * connection dropped, so the client hears ConnectionLoss and Curator retries the create.
   *
   * <p>Guards a bug found here: Curator's retry of the create made a second ephemeral-sequential
   * znode of the instance in the same session, beside the first and then a ghost once the
   * container was gone. Creates now go through ZooKeeper's own handle and are never retried
   * blindly (NerveZooKeeperReporter).
   */
  @Test
  void aCreateWhoseReplyIsLostToADrop() throws Exception {
    burst(() -> {
      String instance = holdTheNextCreatesReply(Duration.ofDays(1));
      await("ZooKeeper applied the create of " + instance, () -> byInstance().containsKey(instance));
      proxy.drop();
      proxy.resume();
      log("dropped every connection with the reply to the create of " + instance + " held");
      return instance;
    });
  }

  /**
   * As above, but the reply is held past the client's patience (2667 ms) and the client gives the
   * connection up itself, as across a partition that heals within the session.
   *
   * <p>Guards the same bug as {@link #aCreateWhoseReplyIsLostToADrop}.
   */
  @Test
  void aCreateWhoseReplyIsHeldUntilTheClientGivesUp() throws Exception {
    burst(() -> {
      int before = proxy.accepted();
      String instance = holdTheNextCreatesReply(Duration.ofMillis(3000));
      log("holding every reply for 3000 ms from the create of " + instance);
      await("the node gave the silent connection up and connected again", Duration.ofSeconds(15),
        () -> proxy.accepted() > before);
      return instance;
    });
  }

  /**
   * ZooKeeper gone for longer than the session, as when the whole ensemble is down: the proxy
   * closes every connection and each new one, until ZooKeeper has expired the node's session
   * (its registrations vanish for every reader: that is what an expired session means). Meanwhile
   * one container starts and one dies. Once ZooKeeper is back the node gets a new session and
   * registers exactly the running containers, once each, and every stage is running again.
   */
  @Test
  void zooKeeperDownLongerThanTheSession() throws Exception {
    List<String> problems = new ArrayList<>();
    String api = Harness.api(node);
    try (RegistrationWatcher reader = new RegistrationWatcher(harness.zk(), ENV, APP)) {
      List<String> running = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        running.add(harness.runHttpd(Map.of("sd-env", ENV, "sd-name", APP)));
      }
      await("five registered", Duration.ofSeconds(60), () -> exactly(running));
      await("every stage running before the outage", () -> allRunning(api));
      long before = harness.zk().checkExists().forPath(PARENT + "/" + harness.zk().getChildren().forPath(PARENT).get(0))
        .getEphemeralOwner();

      long down = System.nanoTime();
      proxy.down();
      log("ZooKeeper down for the node");
      await("the node's session expired on the server: its registrations gone", Duration.ofSeconds(30),
        () -> byInstance().isEmpty());
      long expired = System.nanoTime();
      // changes while ZooKeeper is down: one container dies, one starts
      String died = running.remove(0);
      harness.remove(died);
      running.add(harness.runHttpd(Map.of("sd-env", ENV, "sd-name", APP)));
      await("the node saw ZooKeeper gone", Duration.ofSeconds(30), () -> !allRunning(api));
      long up = System.nanoTime();
      proxy.up();
      log("ZooKeeper back after " + (up - down) / 1_000_000 + " ms (session expired "
        + (expired - down) / 1_000_000 + " ms after it went down; session 4000 ms)");

      await("the running containers registered again, once each", Duration.ofSeconds(60), () -> exactly(running));
      long registered = System.nanoTime();
      await("every stage running again", Duration.ofSeconds(60), () -> allRunning(api));
      long stages = System.nanoTime();
      log("after ZooKeeper returned: registrations back in " + (registered - up) / 1_000_000
        + " ms, every stage running in " + (stages - up) / 1_000_000 + " ms");
      for (String child : harness.zk().getChildren().forPath(PARENT)) {
        Stat stat = harness.zk().checkExists().forPath(PARENT + "/" + child);
        if (stat != null && stat.getEphemeralOwner() == before) {
          problems.add("a znode of the expired session survived: " + child);
        }
      }

      // a later fact on the registrar's ordered path: nothing queued before it is pending
      String last = running.remove(running.size() - 1);
      harness.remove(last);
      await("the last removed container's znode gone", () -> !byInstance().containsKey(instanceId(last)));
      if (!exactly(running)) {
        problems.add("after one more removal: not one znode per running container\n" + describe(running));
      }
      if (byInstance().containsKey(instanceId(died))) {
        problems.add("the container that died while ZooKeeper was down is registered: " + instanceId(died));
      }
      if (reader.mostOfOneInstance() != 1) {
        problems.add("a reader saw " + reader.mostOfOneInstance() + " znodes of one instance at once: "
          + reader.mostOfOneInstanceSeen());
      }
    }
    assertEquals(List.of(), problems);
  }

  /** Every stage in the node's {@code /v1/health} is {@code running}. */
  private static boolean allRunning(String api) throws Exception {
    JsonObject stages = Http.getJson(api + "/v1/health").getJsonObject("stages");
    return stages != null && !stages.isEmpty()
      && stages.stream().allMatch(e -> "running".equals(((JsonObject) e.getValue()).getString("state")));
  }

  /** Once five are registered, holds replies from the next registration's create on; its instance id. */
  private String holdTheNextCreatesReply(Duration hold) throws Exception {
    awaitRegistered(5);
    String prefix = harness.chroot() + PARENT + "/" + hostId + "-";
    byte[] chunk = proxy.stallRepliesAfter(ZooKeeperRequests.createUnder(prefix), hold).get(30, TimeUnit.SECONDS);
    String path = ZooKeeperRequests.createdPath(chunk, prefix);
    return path.substring((harness.chroot() + PARENT + "/").length(), path.lastIndexOf('_'));
  }

  /**
   * Starts the containers one after another on another thread while {@code fault} runs here,
   * then checks the outcome: all registered once; half of them removed (the one the fault hit
   * among them), their znodes gone, the others' still once; one more removed as a later fact on
   * the registrar's ordered path. Every check runs and what failed is reported together.
   */
  private void burst(Fault fault) throws Exception {
    List<String> problems = new ArrayList<>();
    try (RegistrationWatcher reader = new RegistrationWatcher(harness.zk(), ENV, APP)) {
      List<String> started = Collections.synchronizedList(new ArrayList<>());
      CompletableFuture<Void> burst = CompletableFuture.runAsync(() -> {
        for (int i = 0; i < CONTAINERS; i++) {
          started.add(harness.runHttpd(Map.of("sd-env", ENV, "sd-name", APP)));
        }
      });
      String hit = fault.run();
      burst.get(90, TimeUnit.SECONDS);
      log("burst of " + CONTAINERS + " containers started");

      List<String> running = new ArrayList<>(started);
      await("every container registered", Duration.ofSeconds(45),
        () -> byInstance().keySet().containsAll(running.stream().map(this::instanceId).toList()));
      settled("each of the " + CONTAINERS + " containers registered once", running, problems);

      List<String> removed = new ArrayList<>();
      for (int i = 0; i < running.size(); i++) {
        if (i % 2 == 0 || instanceId(running.get(i)).equals(hit)) {
          removed.add(running.get(i));
        }
      }
      removed.forEach(harness::remove);
      running.removeAll(removed);
      settled("the removed containers' znodes gone (" + hit + " among them), the others' still once", running, problems);

      // a later fact on the same ordered path: once it shows, nothing queued before it is pending
      String last = running.remove(running.size() - 1);
      harness.remove(last);
      removed.add(last);
      await("the last removed container's znode gone", () -> !byInstance().containsKey(instanceId(last)));
      if (!exactly(running)) {
        problems.add("after one more removal: not one znode per running container\n" + describe(running));
      }

      if (reader.mostOfOneInstance() != 1) {
        problems.add("a reader saw " + reader.mostOfOneInstance() + " znodes of one instance at once: "
          + reader.mostOfOneInstanceSeen());
      }
      Set<String> removedIds = removed.stream().map(this::instanceId).collect(Collectors.toSet());
      reader.deregistrations().stream().filter(d -> removedIds.stream().noneMatch(id -> d.contains(" " + id + " (")))
        .forEach(d -> problems.add("a reader saw a running container's registration vanish: " + d));
    }
    assertEquals(List.of(), problems);
  }

  @FunctionalInterface
  private interface Fault {
    /** Causes the fault; returns the instance it aimed at, or null. */
    String run() throws Exception;
  }

  private String instanceId(String containerId) {
    return hostId + "-" + Harness.shortId(containerId);
  }

  private void awaitRegistered(int n) throws Exception {
    await(n + " registrations", Duration.ofSeconds(60), () -> harness.zk().getChildren()
      .forPath(PARENT).size() >= n);
  }

  /** Waits (15 s: fifteen reconciles) until {@link #exactly}; notes in {@code problems} what was wrong if it never does. */
  private void settled(String what, List<String> running, List<String> problems) throws Exception {
    try {
      await(what, Duration.ofSeconds(15), () -> exactly(running));
      log(what);
    } catch (AssertionError e) {
      problems.add(e.getMessage() + "\n" + describe(running));
      log("NOT " + what);
    }
  }

  /** Exactly the {@code running} containers' instances have a znode, one each. */
  private boolean exactly(List<String> running) throws Exception {
    Set<String> wanted = running.stream().map(this::instanceId).collect(Collectors.toSet());
    Map<String, List<String>> now = byInstance();
    return now.keySet().equals(wanted) && now.values().stream().allMatch(l -> l.size() == 1);
  }

  private Map<String, List<String>> byInstance() throws Exception {
    Map<String, List<String>> found = new TreeMap<>();
    for (String child : harness.registrations(ENV, APP).keySet()) {
      found.computeIfAbsent(RegistrationWatcher.instanceOf(child), k -> new ArrayList<>()).add(child);
    }
    return found;
  }

  /** Every znode that is wrong (a second one of an instance, or one of no running container), with its session and age. */
  private String describe(List<String> running) throws Exception {
    Set<String> wanted = running.stream().map(this::instanceId).collect(Collectors.toSet());
    String parent = PARENT;
    StringBuilder out = new StringBuilder();
    Map<String, List<String>> now = byInstance();
    for (Map.Entry<String, List<String>> e : now.entrySet()) {
      boolean wrong = !wanted.contains(e.getKey()) || e.getValue().size() > 1;
      for (String child : e.getValue()) {
        if (!wrong) {
          continue;
        }
        try {
          Stat stat = harness.zk().checkExists().forPath(parent + "/" + child);
          out.append(wanted.contains(e.getKey()) ? "  duplicate " : "  ghost ").append(parent).append('/').append(child)
            .append(" session 0x").append(Long.toHexString(stat.getEphemeralOwner()))
            .append(" created ").append(Instant.ofEpochMilli(stat.getCtime())).append(" czxid 0x")
            .append(Long.toHexString(stat.getCzxid())).append('\n');
        } catch (KeeperException.NoNodeException | NullPointerException gone) {
          out.append("  ").append(child).append(" (gone since)\n");
        }
      }
    }
    Set<String> missing = new java.util.TreeSet<>(wanted);
    missing.removeAll(now.keySet());
    missing.forEach(m -> out.append("  missing ").append(m).append('\n'));
    out.append("  registrar members: ").append(registrarSessions());
    return out.toString();
  }

  /** The registrars' member znodes with their sessions: whose session a znode's is. */
  private String registrarSessions() throws Exception {
    StringBuilder out = new StringBuilder();
    String members = "/pharos/members";
    for (String group : harness.zk().getChildren().forPath(members)) {
      String stage = members + "/" + group + "/registrar";
      if (harness.zk().checkExists().forPath(stage) == null) {
        continue;
      }
      for (String member : harness.zk().getChildren().forPath(stage)) {
        Stat stat = harness.zk().checkExists().forPath(stage + "/" + member);
        out.append(member).append(" session 0x").append(stat == null ? "gone" : Long.toHexString(stat.getEphemeralOwner()))
          .append("; ");
      }
    }
    return out.toString();
  }

  private static void log(String what) {
    System.out.println(java.time.LocalTime.now() + " [ZooKeeperFaultsIT] " + what);
  }
}
