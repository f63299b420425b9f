package dev.pharos.docker;

import com.github.dockerjava.api.DockerClient;
import dev.pharos.bus.Addresses;
import dev.pharos.model.Container;
import dev.pharos.stage.StageStatus;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Against a real dockerd (PHAROS_TEST_DOCKER): handling one event throws, and the watcher still
 * publishes later containers and reports running again once a resync has put it right.
 */
class EventFailureTest {

  private static final String DOCKER = System.getenv("PHAROS_TEST_DOCKER");
  private static final String IMAGE = System.getenv().getOrDefault("PHAROS_TEST_IMAGE", "busybox");

  private Vertx vertx;
  private DockerClient docker;
  private final List<String> started = new ArrayList<>();

  @BeforeEach
  void setUp() {
    assumeTrue(DOCKER != null, "PHAROS_TEST_DOCKER is not set");
    vertx = Vertx.vertx();
    docker = DockerClients.create(DOCKER);
  }

  @AfterEach
  void tearDown() throws Exception {
    if (docker != null) {
      for (String id : started) {
        docker.removeContainerCmd(id).withForce(true).exec();
      }
      docker.close();
    }
    if (vertx != null) {
      vertx.close().await(20, TimeUnit.SECONDS);
    }
  }

  @Test
  void aFailingEventNeitherEndsTheStreamNorLeavesTheStageRunningWrongly() throws Exception {
    String prefix = "pharos-evfail-" + UUID.randomUUID().toString().substring(0, 8);
    BlockingQueue<JsonObject> facts = facts();
    AtomicBoolean thrown = new AtomicBoolean();
    DockerWatcherVerticle watcher = failingOnce(prefix + "-a", thrown);
    JsonObject conf = new JsonObject().put("instanceId", "evfail").put("hostIp", "127.0.0.1").put("node", "evfail")
      .put("docker", new JsonObject().put("host", DOCKER));
    vertx.deployVerticle(watcher, new DeploymentOptions().setConfig(conf)).await(20, TimeUnit.SECONDS);
    awaitRunning(0);

    String a = run(prefix + "-a");
    String b = run(prefix + "-b");
    // b's start comes after a's failed event on the same ordered stream
    awaitUp(facts, b);
    assertEquals(true, thrown.get());
    JsonObject status = awaitRunning(1);
    assertEquals(0, status.getJsonArray("problems").size(), status.encodePrettily());
    // the resync after the failure (or a's own start) made a known
    JsonObject snapshot = vertx.eventBus().<JsonObject>request(Addresses.CONTAINERS_SNAPSHOT, new JsonObject())
      .await(10, TimeUnit.SECONDS).body();
    assertEquals(true, snapshot.getJsonArray("containers").stream()
      .anyMatch(c -> a.equals(((JsonObject) c).getString("id"))), snapshot.encodePrettily());
  }

  /**
   * A resync's listing can predate the events handled while it runs (a resync of 1,000
   * containers takes seconds): a container started and published meanwhile stays known after
   * the resync applies its older listing, and so is in the snapshot.
   */
  @Test
  void aContainerStartedWhileAResyncRunsIsKeptByIt() throws Exception {
    String prefix = "pharos-evresync-" + UUID.randomUUID().toString().substring(0, 8);
    BlockingQueue<JsonObject> facts = facts();
    DockerWatcherVerticle watcher = failingOnce(prefix + "-x", new AtomicBoolean()); // for a resync
    CompletableFuture<Void> listed = new CompletableFuture<>();
    Promise<Void> release = Promise.promise();
    AtomicInteger resyncs = new AtomicInteger();
    watcher.listedHook = list -> {
      if (resyncs.incrementAndGet() == 1) {
        return Future.succeededFuture(list); // the start's own listing
      }
      Context context = Vertx.currentContext();
      listed.complete(null);
      Promise<List<Container>> applied = Promise.promise();
      release.future().onComplete(v -> context.runOnContext(x -> applied.complete(list)));
      return applied.future();
    };
    JsonObject conf = new JsonObject().put("instanceId", "evresync").put("hostIp", "127.0.0.1").put("node", "evresync")
      .put("docker", new JsonObject().put("host", DOCKER));
    vertx.deployVerticle(watcher, new DeploymentOptions().setConfig(conf)).await(20, TimeUnit.SECONDS);
    awaitRunning(0);

    run(prefix + "-x"); // its first event fails: a resync lists the containers
    listed.get(30, TimeUnit.SECONDS);
    String a = run(prefix + "-a"); // started after that listing
    awaitUp(facts, a);
    release.complete();
    awaitRunning(1);
    JsonObject snapshot = vertx.eventBus().<JsonObject>request(Addresses.CONTAINERS_SNAPSHOT, new JsonObject())
      .await(10, TimeUnit.SECONDS).body();
    assertEquals(true, snapshot.getJsonArray("containers").stream()
      .anyMatch(c -> a.equals(((JsonObject) c).getString("id"))), "the resync's listing did not drop " + a);
  }

  /** Every container fact published from now on. */
  private BlockingQueue<JsonObject> facts() throws Exception {
    BlockingQueue<JsonObject> facts = new LinkedBlockingQueue<>();
    vertx.eventBus().<JsonObject>consumer(Addresses.CONTAINERS, msg -> facts.add(msg.body())).completion()
      .await(10, TimeUnit.SECONDS);
    return facts;
  }

  /** A watcher whose handling of the first event of the container named {@code name} throws; {@code thrown} says when. */
  private static DockerWatcherVerticle failingOnce(String name, AtomicBoolean thrown) {
    DockerWatcherVerticle watcher = new DockerWatcherVerticle();
    watcher.eventHook = event -> {
      String actor = event.getActor() == null ? null : event.getActor().getAttributes().get("name");
      if (name.equals(actor) && thrown.compareAndSet(false, true)) {
        throw new IllegalStateException("injected failure");
      }
    };
    return watcher;
  }

  private String run(String name) {
    String id = docker.createContainerCmd(IMAGE).withName(name).withCmd("sleep", "300").exec().getId();
    started.add(id);
    docker.startContainerCmd(id).exec();
    return id;
  }

  private static void awaitUp(BlockingQueue<JsonObject> facts, String id) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      JsonObject fact = facts.poll(1, TimeUnit.SECONDS);
      if (fact != null && "up".equals(fact.getString("type")) && id.equals(fact.getJsonObject("container").getString("id"))) {
        return;
      }
    }
    throw new AssertionError("no up published for container " + id);
  }

  /** Polls the stage's status until it is running with {@code failures} event failures counted. */
  private JsonObject awaitRunning(long failures) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    JsonObject last = null;
    while (System.nanoTime() < deadline) {
      last = vertx.eventBus().<JsonObject>request(Addresses.status(Addresses.DOCKER_WATCHER), new JsonObject())
        .await(10, TimeUnit.SECONDS).body();
      if (StageStatus.RUNNING.equals(last.getString("state"))
        && last.getJsonObject("details").getLong("eventFailures", 0L) == failures) {
        return last;
      }
      Thread.sleep(100);
    }
    assertNotNull(last);
    throw new AssertionError("not running with " + failures + " event failures: " + last.encodePrettily());
  }
}
