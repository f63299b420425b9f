package dev.pharos.harness;

import dev.pharos.bus.Addresses;
import dev.pharos.launcher.Pharos;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import static dev.pharos.harness.Harness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Nodes with the default stages clustered over one ZooKeeper divide the work: each labelled
 * container is checked by one health checker and registered by one registrar in the whole
 * cluster, as nodes join and leave. Node a watches the Docker host; b and c run every other
 * default stage (one dockerd here: a second watcher of it would be a second host).
 */
class DividedClusterIT extends EndToEndTest {

  private static final List<String> DEFAULT_STAGES = List.of("definition-watcher", "health-checker", "registrar", "api");

  private JsonObject node(String name, boolean dockerWatcher) {
    JsonObject verticles = new JsonObject();
    DEFAULT_STAGES.forEach(s -> verticles.put(s, new JsonObject()));
    if (dockerWatcher) {
      verticles.put("docker-watcher", new JsonObject());
    }
    return harness.conf("host-" + harness.runId(), new JsonObject().put("node", name)
      .put("cluster", new JsonObject().put("enabled", true).put("host", "127.0.0.1").put("port", 0))
      .put("verticles", verticles));
  }

  /** Every watch of {@code instanceId} in the cluster, as the checkers report them through {@code api}. */
  private static List<JsonObject> watchesOf(String api, String instanceId) throws Exception {
    JsonArray checks = Http.getJson(api + "/v1/instances").getJsonArray("checks");
    return checks.stream().map(JsonObject.class::cast)
      .filter(w -> instanceId.equals(w.getJsonObject("instance").getString("id"))).toList();
  }

  private long requestsReceived(String containerId) throws Exception {
    Process logs = new ProcessBuilder("docker", "logs", containerId).redirectErrorStream(true).start();
    String out = new String(logs.getInputStream().readAllBytes());
    logs.waitFor();
    return out.lines().filter(l -> l.contains("response:")).count();
  }

  /**
   * One watch in the whole cluster, and the container receives exactly the requests that watch
   * made: nobody else checks it. Read while the watch runs, so in-flight rounds give a slack of 2.
   */
  private void checkedOnce(String api, String instanceId, String containerId) throws Exception {
    await("one watch of " + instanceId + " in the cluster", () -> watchesOf(api, instanceId).size() == 1
      && watchesOf(api, instanceId).get(0).getLong("rounds") > 5);
    long rounds0 = watchesOf(api, instanceId).get(0).getLong("rounds");
    long requests0 = requestsReceived(containerId);
    await("ten more rounds", () -> watchesOf(api, instanceId).size() == 1
      && watchesOf(api, instanceId).get(0).getLong("rounds") >= rounds0 + 10);
    long requests1 = requestsReceived(containerId);
    long rounds1 = watchesOf(api, instanceId).get(0).getLong("rounds");
    long extra = (requests1 - requests0) - (rounds1 - rounds0);
    assertTrue(Math.abs(extra) <= 2, "the container got " + (requests1 - requests0) + " requests while its one watch ran "
      + (rounds1 - rounds0) + " rounds");
  }

  @Test
  void eachContainerIsRegisteredAndCheckedOnceAsNodesJoinAndLeave() throws Exception {
    Pharos a = harness.start(node("node-a", true));
    Pharos b = harness.start(node("node-b", false));
    String apiB = Harness.api(b);
    harness.define("dev", "divided", """
      {"nerve": {"check_interval": 0.1, "checks": [{"type": "http", "uri": "/health", "timeout": 0.5}]}}""");
    try (RegistrationWatcher reader = new RegistrationWatcher(harness.zk(), "dev", "divided")) {
      String container = harness.run(Map.of("sd-env", "dev", "sd-name", "divided"),
        List.of("httpd", "-f", "-v", "-p", "80", "-h", "/www"), 80);
      String instanceId = "host-" + harness.runId() + "-" + Harness.shortId(container);
      await("registered", () -> harness.registrations("dev", "divided").size() == 1);
      checkedOnce(apiB, instanceId, container);

      Pharos c = harness.start(node("node-c", false));
      String apiC = Harness.api(c);
      await("three checkers and three registrars", () -> {
        JsonObject stages = Http.getJson(apiC + "/v1/health").getJsonObject("stages");
        return stages.getJsonObject("health-checker").getJsonArray("instances").size() == 3
          && stages.getJsonObject("registrar").getJsonArray("instances").size() == 3;
      });
      checkedOnce(apiC, instanceId, container);
      assertEquals(1, harness.registrations("dev", "divided").size());

      harness.stop(b); // a clean stop of a node that owned nothing
      checkedOnce(apiC, instanceId, container);

      String before = harness.registrations("dev", "divided").keySet().iterator().next();
      harness.stop(a); // the owner leaves: its instance moves to c, which replaces the znode
      await("taken over by node c", () -> {
        Map<String, JsonObject> now = harness.registrations("dev", "divided");
        return now.size() == 1 && !now.containsKey(before);
      });
      checkedOnce(apiC, instanceId, container);
      String held = Http.getJson(apiC + "/v1/instances").getJsonArray("registrations").getJsonObject(0).getString("path");
      assertEquals("/env/dev/divided/sd/" + harness.registrations("dev", "divided").keySet().iterator().next(),
        held.replace("/env/dev/sd/divided/sd/", "/env/dev/divided/sd/"), "the new owner holds the znode it made");
      assertTrue(reader.listings() >= 3, "the reader saw the registration, its move and more: " + reader.listings());
      assertEquals(1, reader.most(), "a reader never saw the container twice");
      assertFalse(reader.fellToZero(), "nor saw it vanish while it stayed healthy");
      harness.stop(c);
    }
  }

  @Test
  void severalInstancesOfAStageOnOneNodeDivideTheWork() throws Exception {
    JsonObject conf = node("node-a", true);
    conf.getJsonObject("verticles").put("health-checker", new JsonObject().put("instances", 2))
      .put("registrar", new JsonObject().put("instances", 2));
    Pharos a = harness.start(conf);
    String api = Harness.api(a);
    harness.define("dev", "many", """
      {"nerve": {"check_interval": 0.2, "checks": [{"type": "tcp", "timeout": 0.5}]}}""");
    for (int i = 0; i < 6; i++) {
      harness.runHttpd(Map.of("sd-env", "dev", "sd-name", "many"));
    }
    await("six registrations", () -> harness.registrations("dev", "many").size() == 6);
    // statuses are heard every 2 s: wait for both instances' latest
    await("each container watched once", () -> sum(Http.getJson(api + "/v1/health").getJsonObject("stages")
      .getJsonObject("health-checker"), "watches") == 6);
    assertEquals(6, Http.getJson(api + "/v1/instances").getJsonArray("checks").size());
    await("each registration held once", () -> sum(Http.getJson(api + "/v1/health").getJsonObject("stages")
      .getJsonObject("registrar"), "registrations") == 6);
    assertEquals(6, Http.getJson(api + "/v1/instances").getJsonArray("registrations").size(),
      "the registrations of both registrars listed");
    harness.stop(a);
  }

  /**
   * A checker leaving costs each other checker a resolve per instance it takes over, not one per
   * instance it watches: a group change leaves the watches it keeps as they are.
   */
  @Test
  void aCheckerLeavingCostsTheOthersOnlyWhatMoves() throws Exception {
    JsonObject aConf = node("node-a", true);
    aConf.getJsonObject("verticles").remove("health-checker");
    aConf.getJsonObject("verticles").remove("registrar");
    Pharos a = harness.start(aConf);
    Pharos b = harness.start(node("node-b", false));
    Pharos c = harness.start(node("node-c", false));
    String apiB = Harness.api(b);
    harness.define("dev", "moved", """
      {"nerve": {"check_interval": 0.2, "checks": [{"type": "tcp", "timeout": 0.5}]}}""");
    for (int i = 0; i < 6; i++) {
      harness.runHttpd(Map.of("sd-env", "dev", "sd-name", "moved"));
    }
    await("six registrations", () -> harness.registrations("dev", "moved").size() == 6);
    await("each container watched once, by b or c", () -> sum(Http.getJson(apiB + "/v1/health").getJsonObject("stages")
      .getJsonObject("health-checker"), "watches") == 6);
    JsonObject beforeStatus = checkerStatus(apiB, "node-b");
    harness.stop(c);
    await("b watches all six", () -> checkerStatus(apiB, "node-b").getJsonObject("details").getLong("watches", 0L) == 6);
    JsonObject afterStatus = checkerStatus(apiB, "node-b");
    JsonObject before = beforeStatus.getJsonObject("details");
    JsonObject after = afterStatus.getJsonObject("details");
    // the docker host may hold other tests' labelled containers, without a definition here: those
    // that moved to b are resolved too (to record their problem), those b had are not
    Set<String> problemsMoved = new HashSet<>(containerProblems(afterStatus));
    problemsMoved.removeAll(containerProblems(beforeStatus));
    long moved = 6 - before.getLong("watches") + problemsMoved.size();
    assertEquals(moved, after.getLong("resolves") - before.getLong("resolves"),
      "b resolved what moved to it (" + (6 - before.getLong("watches")) + " of 6, and " + problemsMoved.size()
        + " containers with a problem), and nothing it watched or knew already: " + before + " then " + after);
    harness.stop(b);
    harness.stop(a);
  }

  /**
   * A checker that starts asks the others once for their up instances: the verdicts given before
   * its consumer existed. When their checker stops, it takes them over as up at once.
   */
  @Test
  void aCheckerStartedLaterKnowsTheVerdictsGivenBeforeIt() throws Exception {
    JsonObject aConf = node("node-a", true);
    aConf.getJsonObject("verticles").remove("health-checker");
    aConf.getJsonObject("verticles").remove("registrar");
    Pharos a = harness.start(aConf);
    // every "up" heard on a's bus, in order; registered before c exists, so c's node knows it
    List<JsonObject> ups = new java.util.concurrent.CopyOnWriteArrayList<>();
    var facts = a.vertx().eventBus().<JsonObject>consumer(Addresses.INSTANCES, msg -> {
      if ("up".equals(msg.body().getString("type"))) {
        ups.add(msg.body());
      }
    });
    facts.completion().await(10, java.util.concurrent.TimeUnit.SECONDS);
    Pharos b = harness.start(node("node-b", false));
    harness.define("dev", "later", """
      {"nerve": {"check_interval": 0.2, "checks": [{"type": "tcp", "timeout": 0.5}]}}""");
    for (int i = 0; i < 8; i++) {
      harness.runHttpd(Map.of("sd-env", "dev", "sd-name", "later"));
    }
    await("eight registrations", () -> harness.registrations("dev", "later").size() == 8);
    Pharos c = harness.start(node("node-c", false)); // after every "up" of the eight was published
    await("c's checker ready beside b's", () -> checkerSnapshot(a, "node-c").getBoolean("ready", false)
      && StageMembers.of(harness.zk(), "pharos-cluster", Addresses.HEALTH_CHECKER).members().size() == 2);
    List<String> stayed = checkerSnapshot(a, "node-b").getJsonArray("instances").stream()
      .map(i -> ((JsonObject) i).getString("id")).toList();
    assertFalse(stayed.isEmpty(), "b kept some of the eight when c joined");
    // the same share asked from another node in pages of one entry: the pages, each its own round
    // trip across the cluster, put together name the same instances and watches
    String bChecker = StageMembers.of(harness.zk(), "pharos-cluster", Addresses.HEALTH_CHECKER).members().stream()
      .filter(m -> m.node().equals("node-b")).findFirst().orElseThrow().id();
    JsonObject paged = dev.pharos.bus.PagedReplies.request(a.vertx(), Addresses.instancesSnapshot(bChecker), new JsonObject(), 1,
      new io.vertx.core.eventbus.DeliveryOptions().setSendTimeout(2000)).await(10, java.util.concurrent.TimeUnit.SECONDS);
    assertEquals(Set.copyOf(stayed), paged.getJsonArray("instances").stream().map(i -> ((JsonObject) i).getString("id"))
      .collect(java.util.stream.Collectors.toSet()));
    assertTrue(paged.getJsonArray("watches").stream().map(w -> ((JsonObject) w).getJsonObject("instance").getString("id"))
      .collect(java.util.stream.Collectors.toSet()).containsAll(stayed), "every up instance's watch: " + paged.encode());
    assertEquals("node-b", paged.getString("node"));
    int before = ups.size();
    harness.stop(b);
    Map<String, String> reasons = new java.util.HashMap<>();
    await("c reported each of b's instances up", () -> {
      ups.subList(before, ups.size()).forEach(f -> reasons.putIfAbsent(f.getJsonObject("instance").getString("id"),
        f.getString("reason")));
      return reasons.keySet().containsAll(stayed);
    });
    stayed.forEach(id -> assertTrue(reasons.get(id).startsWith("taken over while reported up"),
      id + " was taken over as up at once, not after a round: " + reasons.get(id)));
    facts.unregister();
    harness.stop(c);
    harness.stop(a);
  }

  /** The snapshot of the health checker on {@code node}, asked on {@code via}'s bus. */
  private JsonObject checkerSnapshot(Pharos via, String node) throws Exception {
    var checker = StageMembers.of(harness.zk(), "pharos-cluster", Addresses.HEALTH_CHECKER).members().stream()
      .filter(m -> m.node().equals(node)).findFirst();
    if (checker.isEmpty()) {
      return new JsonObject();
    }
    return via.vertx().eventBus().<JsonObject>request(Addresses.instancesSnapshot(checker.get().id()), new JsonObject(),
      new io.vertx.core.eventbus.DeliveryOptions().setSendTimeout(2000)).await(5, java.util.concurrent.TimeUnit.SECONDS).body();
  }

  /** The details of the health checker on {@code node}, as its last status said. */
  /** The health checker of {@code node} as the api last heard it: details and problems. */
  private static JsonObject checkerStatus(String api, String node) throws Exception {
    return Http.getJson(api + "/v1/health").getJsonObject("stages").getJsonObject("health-checker").getJsonArray("instances")
      .stream().map(JsonObject.class::cast).filter(i -> node.equals(i.getString("node"))).findFirst()
      .orElse(new JsonObject().put("details", new JsonObject()));
  }

  private static Set<String> containerProblems(JsonObject status) {
    Set<String> subjects = new HashSet<>();
    status.getJsonArray("problems", new JsonArray()).forEach(p -> {
      String subject = ((JsonObject) p).getString("subject", "");
      if (subject.startsWith("container ")) {
        subjects.add(subject);
      }
    });
    return subjects;
  }

  private static long sum(JsonObject stage, String detail) {
    Predicate<Object> any = o -> true;
    return stage.getJsonArray("instances").stream().filter(any).map(JsonObject.class::cast)
      .mapToLong(i -> i.getJsonObject("details").getLong(detail, 0L)).sum();
  }

  @Test
  void aNodeWithoutThePipelineIsHealthyAndNamesWhatRunsNowhere() throws Exception {
    Pharos web = harness.start(harness.conf("host-" + harness.runId(), new JsonObject().put("node", "web-only")
      .put("cluster", new JsonObject().put("enabled", true).put("host", "127.0.0.1").put("port", 0))
      .put("verticles", new JsonObject().put("api", new JsonObject()))));
    var response = Http.send("GET", Harness.api(web) + "/v1/health", null);
    assertEquals(200, response.statusCode(), response.body());
    Pharos checker = harness.start(harness.conf("host-" + harness.runId(), new JsonObject().put("node", "checker-only")
      .put("cluster", new JsonObject().put("enabled", true).put("host", "127.0.0.1").put("port", 0))
      .put("verticles", new JsonObject().put("health-checker", new JsonObject()))));
    await("the checker's node shown, the registrar named as running nowhere", () -> {
      JsonObject health = Http.getJson(Harness.api(web) + "/v1/health");
      return health.getJsonObject("stages").containsKey("health-checker")
        && health.getJsonArray("absent").contains("registrar") && "UP".equals(health.getString("status"));
    });
    harness.stop(checker);
    harness.stop(web);
  }

  @Test
  void aSecondLiveProcessWithTheSameNodeNameIsRefused() throws Exception {
    Pharos first = harness.start(node("twin", false));
    Exception refused = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> harness.start(node("twin", false)));
    assertTrue(String.valueOf(refused.getMessage()).contains("used by another live process"), refused.getMessage());
    // the first one still owns its work: its checker is in the group
    await("the first node still runs", () -> "UP".equals(Http.getJson(Harness.api(first) + "/v1/health").getString("status")));
    harness.stop(first);
  }

  @Test
  void twoNodesWatchingDockerUnderOneInstanceIdAreRefused() throws Exception {
    Pharos first = harness.start(node("first", true));
    Exception refused = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> harness.start(node("second", true)));
    assertTrue(String.valueOf(refused.getMessage()).contains("give each Docker host its own `instanceId`"), refused.getMessage());
    harness.stop(first);
  }
}
