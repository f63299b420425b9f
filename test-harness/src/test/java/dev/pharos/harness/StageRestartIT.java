package dev.pharos.harness;

import dev.pharos.bus.Addresses;
import dev.pharos.launcher.Pharos;
import dev.pharos.ownership.Member;
import dev.pharos.ownership.Ownership;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static dev.pharos.harness.Harness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A cluster whose stages run on separate nodes keeps twenty healthy containers registered while
 * its stage nodes are stopped and started again, five times each: a Synapse-style reader of the
 * service never sees a running container's registration go, nor two of one container.
 *
 * <p>Between restarts the test waits until the cluster has settled: the expected members in
 * each group, every checker ready, and each instance's one znode held by the session of the
 * registrar that owns it.
 */
class StageRestartIT extends EndToEndTest {

  private static final int CONTAINERS = 20;
  private static final int RESTARTS = 5;
  private static final String GROUP = "pharos-cluster";
  private static final String ENV = "dev";
  private static final String APP = "restarts";
  private static final String PARENT = "/env/" + ENV + "/sd/" + APP + "/sd";
  /** Lenient checks: a loaded machine's slow answer is not what these tests are about. */
  private static final String DEFINITION = "{\"nerve\": {\"check_interval\": 0.2, \"checks\": [{\"type\": \"http\", "
    + "\"uri\": \"/index.html\", \"timeout\": 2, \"rise\": 1, \"fall\": 3}]}}";

  /** Running nodes by name, with the conf each was started with. */
  private final Map<String, Pharos> nodes = new LinkedHashMap<>();
  private final Map<String, JsonObject> confs = new HashMap<>();
  private final List<String> containers = new ArrayList<>();

  private String hostId() {
    return "host-" + harness.runId();
  }

  private void start(String name, String... stages) throws Exception {
    JsonObject verticles = new JsonObject();
    for (String stage : stages) {
      verticles.put(stage, new JsonObject());
    }
    JsonObject conf = harness.conf(hostId(), new JsonObject().put("node", name)
      .put("cluster", new JsonObject().put("enabled", true).put("host", "127.0.0.1").put("port", 0))
      .put("verticles", verticles));
    confs.put(name, conf);
    nodes.put(name, harness.start(conf.copy()));
  }

  /** Stops the node and starts it again with the same conf. */
  private void restart(String name) throws Exception {
    log("stopping " + name);
    harness.stop(nodes.remove(name));
    log("starting " + name);
    nodes.put(name, harness.start(confs.get(name).copy()));
    log(name + " started");
  }

  /** The docker watcher's node: it is on the clustered bus, to ask the checkers from. */
  private Pharos anyNode() {
    return nodes.values().iterator().next();
  }

  /** Four at a time: dockerd is the slow part of the set-up. */
  private void startContainers() throws Exception {
    harness.define(ENV, APP, DEFINITION);
    ExecutorService starters = Executors.newFixedThreadPool(4);
    try {
      List<Callable<String>> runs = new ArrayList<>();
      for (int i = 0; i < CONTAINERS; i++) {
        runs.add(() -> harness.runHttpd(Map.of("sd-env", ENV, "sd-name", APP)));
      }
      for (Future<String> started : starters.invokeAll(runs)) {
        containers.add(started.get());
      }
    } finally {
      starters.shutdown();
    }
  }

  /**
   * The split: one node watches Docker (and serves the api), one watches definitions, one
   * checks, one registers. The definition watcher's, the checker's and the Docker watcher's
   * nodes restart with no registration lost.
   */
  @Test
  void splitStagesRestartWithoutDeregistering() throws Exception {
    start("docker", "docker-watcher", "api");
    start("definitions", "definition-watcher");
    start("checker", "health-checker");
    start("registrar", "registrar");
    startContainers();
    awaitSettled(1, 1);
    restartEach(List.of("definitions", "checker", "docker"), "registrar", 1, 1);
  }

  /**
   * The split's lone registrar cannot restart without deregistering: its znodes are ephemeral
   * in its session, and with nobody to take over it removes them when it stops. Each restart
   * removes each registration once and makes it once again, and never two at once.
   */
  @Test
  void aLoneRegistrarsRestartRemovesEachRegistrationOnceAndMakesItAgain() throws Exception {
    start("docker", "docker-watcher", "api");
    start("definitions", "definition-watcher");
    start("checker", "health-checker");
    start("registrar", "registrar");
    startContainers();
    awaitSettled(1, 1);
    try (RegistrationWatcher reader = new RegistrationWatcher(harness.zk(), ENV, APP)) {
      for (int i = 1; i <= RESTARTS; i++) {
        restart("registrar");
        awaitSettled(1, 1);
        log("registrar restarted " + i + " times");
        Map<String, Long> times = reader.deregistrations().stream()
          .collect(Collectors.groupingBy(StageRestartIT::instanceIn, Collectors.counting()));
        for (String id : instanceIds()) {
          assertTrue(times.getOrDefault(id, 0L) <= i, id + " deregistered more than once a restart: " + reader.deregistrations());
        }
      }
      assertEquals(1, reader.mostOfOneInstance(), "a reader saw one instance twice: " + reader.mostOfOneInstanceSeen());
    }
  }

  /**
   * Two nodes both check and register: when one stops the other takes its share over, each
   * znode replaced in one transaction; when it comes back it takes its share back the same way.
   *
   * <p>It found two bugs: a multi's create result kept the chroot of {@code zookeeper.connect}, so
   * a stopping registrar's handover saw "its" znodes gone at once (registrations went, none in
   * their place); and a stopping checker answered verdicts with its watches already cleared, so
   * a registrar took healthy instances for down.
   */
  @Test
  void twoCheckerRegistrarNodesRestartWithoutDeregistering() throws Exception {
    start("docker", "docker-watcher", "api");
    start("definitions", "definition-watcher");
    start("pair-1", "health-checker", "registrar");
    start("pair-2", "health-checker", "registrar");
    startContainers();
    awaitSettled(2, 2);
    restartEach(List.of("definitions", "pair-1", "pair-2"), "docker", 2, 2);
  }

  /** Restarts each node {@link #RESTARTS} times, settling after each; no registration may go meanwhile. */
  private void restartEach(List<String> names, String observer, int checkers, int registrars) throws Exception {
    try (RegistrationWatcher reader = new RegistrationWatcher(harness.zk(), ENV, APP);
         BusFacts facts = new BusFacts(nodes.get(observer).vertx())) {
      for (String name : names) {
        long start = System.nanoTime();
        for (int i = 0; i < RESTARTS; i++) {
          restart(name);
          awaitSettled(checkers, registrars);
        }
        log(name + " restarted " + RESTARTS + " times in " + (System.nanoTime() - start) / 1_000_000 + " ms; "
          + reader.deregistrations().size() + " deregistrations so far in " + reader.listings() + " listings");
      }
      // a later fact on the registrars' ordered path: one container goes, and so does its znode
      List<String> problems = new ArrayList<>();
      String removed = containers.remove(0);
      String removedId = hostId() + "-" + Harness.shortId(removed);
      harness.remove(removed);
      try {
        await("the removed container's znode gone", Duration.ofSeconds(15), () -> harness.zk().getChildren().forPath(PARENT)
          .stream().noneMatch(c -> RegistrationWatcher.instanceOf(c).equals(removedId)));
      } catch (AssertionError e) {
        problems.add("a ghost: " + e.getMessage() + ": " + harness.zk().getChildren().forPath(PARENT).stream()
          .filter(c -> RegistrationWatcher.instanceOf(c).equals(removedId)).toList());
      }
      reader.deregistrations().stream().filter(d -> !removedId.equals(instanceIn(d)))
        .forEach(d -> problems.add("a running, healthy container's registration went: " + d));
      if (reader.mostOfOneInstance() != 1) {
        problems.add("a reader saw one instance twice: " + reader.mostOfOneInstanceSeen());
      }
      if (!problems.isEmpty()) {
        problems.add("the cluster said:\n" + String.join("\n", facts.heard()));
      }
      assertEquals(List.of(), problems);
      assertTrue(reader.listings() > 1, "the reader saw the znodes change hands: " + reader.listings() + " listings");
    }
  }

  private Set<String> instanceIds() {
    return containers.stream().map(c -> hostId() + "-" + Harness.shortId(c)).collect(Collectors.toSet());
  }

  /** {@code "<time> <instance> (...)"}: the instance a deregistration record names. */
  private static String instanceIn(String deregistration) {
    return deregistration.split(" ")[1];
  }

  /**
   * The expected numbers of checkers and registrars are members, every checker is ready (each
   * of its watches has a first result), and each instance has exactly one znode, held by the
   * session of the registrar that owns it.
   */
  private void awaitSettled(int checkers, int registrars) throws Exception {
    String what = "the cluster settled with " + checkers + " checkers and " + registrars + " registrars";
    try {
      await(what, Duration.ofSeconds(30), () -> unsettled(checkers, registrars) == null);
    } catch (AssertionError e) {
      throw new AssertionError(what + ", but " + unsettled(checkers, registrars), e);
    }
  }

  /** What keeps the cluster from having settled, or null when it has. */
  private String unsettled(int checkers, int registrars) throws Exception {
    Ownership checkerGroup = StageMembers.of(harness.zk(), GROUP, Addresses.HEALTH_CHECKER);
    Ownership registrarGroup = StageMembers.of(harness.zk(), GROUP, Addresses.REGISTRAR);
    if (checkerGroup.members().size() != checkers || registrarGroup.members().size() != registrars) {
      return "members: checkers " + checkerGroup.members() + ", registrars " + registrarGroup.members();
    }
    for (Member checker : checkerGroup.members()) {
      JsonObject reply = anyNode().vertx().eventBus().<JsonObject>request(Addresses.instancesSnapshot(checker.id()),
        new JsonObject(), new DeliveryOptions().setSendTimeout(2000)).await(5, TimeUnit.SECONDS).body();
      if (!reply.getBoolean("ready", false)) {
        return "checker " + checker.id() + " of " + checker.node() + " not ready";
      }
    }
    Map<String, List<String>> byInstance = new TreeMap<>();
    for (String child : harness.zk().getChildren().forPath(PARENT)) {
      byInstance.computeIfAbsent(RegistrationWatcher.instanceOf(child), k -> new ArrayList<>()).add(child);
    }
    if (!byInstance.keySet().equals(instanceIds())) {
      return "registered " + byInstance.keySet().size() + " of " + instanceIds().size() + " instances, " + byInstance;
    }
    for (Map.Entry<String, List<String>> e : byInstance.entrySet()) {
      if (e.getValue().size() != 1) {
        return e.getKey() + " has " + e.getValue();
      }
      Stat stat = harness.zk().checkExists().forPath(PARENT + "/" + e.getValue().get(0));
      Member owner = registrarGroup.owner(hostId(), e.getKey());
      if (stat == null || stat.getEphemeralOwner() != owner.session()) {
        return e.getValue().get(0) + " is held by session 0x" + (stat == null ? "(gone)" : Long.toHexString(stat.getEphemeralOwner()))
          + ", its owner " + owner.node() + "'s is 0x" + Long.toHexString(owner.session());
      }
    }
    return null;
  }

  private static void log(String what) {
    System.out.println(java.time.LocalTime.now() + " [StageRestartIT] " + what);
  }
}
