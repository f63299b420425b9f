package dev.pharos.zookeeper;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Snapshot-then-follow of one path pattern: what fits is read and followed, nothing else is read. */
@ExtendWith(VertxExtension.class)
class ZnodeFollowerTest {

  private static final List<String> REGISTRATIONS = List.of(ZnodeFollower.ANY, "sd", ZnodeFollower.ANY, "sd", ZnodeFollower.ANY);

  private TestZooKeeper zooKeeper;
  private TestingServer server;
  private CuratorFramework client;

  @BeforeEach
  void start() throws Exception {
    zooKeeper = new TestZooKeeper();
    server = zooKeeper.server;
    client = zooKeeper.client;
  }

  @AfterEach
  void stop() throws Exception {
    zooKeeper.close();
  }

  private void create(String path, String data) throws Exception {
    client.create().creatingParentsIfNeeded().withMode(CreateMode.PERSISTENT).forPath(path, data.getBytes(StandardCharsets.UTF_8));
  }

  /** What the follower told, in order, as "changed PATH DATA", "deleted PATH" and "loaded". */
  private static ZnodeFollower.Listener recording(LinkedBlockingQueue<String> told) {
    return new ZnodeFollower.Listener() {
      @Override
      public void changed(String path, long version, byte[] data) {
        told.add("changed " + path + " " + new String(data, StandardCharsets.UTF_8));
      }

      @Override
      public void deleted(String path) {
        told.add("deleted " + path);
      }

      @Override
      public void loaded() {
        told.add("loaded");
      }
    };
  }

  private static String next(LinkedBlockingQueue<String> told) throws InterruptedException {
    String event = told.poll(10, TimeUnit.SECONDS);
    assertTrue(event != null, "nothing told within 10 s");
    return event;
  }

  @Test
  void aStartReadsOnlyTheZnodesOfThePatternThenEachChangeIsOneRead(Vertx vertx) throws Exception {
    create("/env/prod/sd/web", "{\"nerve\": {}}"); // a definition: listed through, never read
    create("/env/prod/sd/web/sd/a_1", "A");
    create("/env/prod/sd/web/sd/b_2", "B");
    create("/env/prod/sd/db/sd", ""); // a service with no registration yet
    create("/env/prod/other", "not of the pattern");
    Context context = vertx.getOrCreateContext();
    LinkedBlockingQueue<String> told = new LinkedBlockingQueue<>();
    ZnodeFollower follower = new ZnodeFollower(client, context, "/env", REGISTRATIONS, recording(told));
    context.runOnContext(v -> follower.start());
    List<String> walk = List.of(next(told), next(told));
    assertTrue(walk.containsAll(List.of("changed /env/prod/sd/web/sd/a_1 A", "changed /env/prod/sd/web/sd/b_2 B")), walk.toString());
    assertEquals("loaded", next(told));
    // /env, /env/prod/sd, each service's sd (2) listed, and the 2 registrations read: not the
    // definition, nor the sd parents' data, nor anything outside the pattern
    assertEquals(6, onContext(context, follower::reads));

    client.setData().forPath("/env/prod/sd/web", "{\"nerve\": {\"x\": 1}}".getBytes(StandardCharsets.UTF_8));
    create("/env/prod/sd/db/sd/c_3", "C"); // a later fact on the same ordered path
    assertEquals("changed /env/prod/sd/db/sd/c_3 C", next(told), "a definition's change is not followed");
    client.setData().forPath("/env/prod/sd/web/sd/a_1", "A2".getBytes(StandardCharsets.UTF_8));
    assertEquals("changed /env/prod/sd/web/sd/a_1 A2", next(told));
    client.delete().forPath("/env/prod/sd/web/sd/b_2");
    assertEquals("deleted /env/prod/sd/web/sd/b_2", next(told));
    assertEquals(8, onContext(context, follower::reads), "one read per change, none for a delete or an unfollowed znode");
    context.runOnContext(v -> follower.close());
  }

  /** A walk keeps at most its bound of requests waiting for ZooKeeper, and still reads everything. */
  @Test
  void aWalkHasAtMostItsBoundOfRequestsInFlight(Vertx vertx) throws Exception {
    for (int i = 0; i < 40; i++) {
      create("/env/prod/sd/web/sd/r_" + i, "R" + i);
    }
    Context context = vertx.getOrCreateContext();
    LinkedBlockingQueue<String> told = new LinkedBlockingQueue<>();
    ZnodeFollower follower = new ZnodeFollower(client, context, "/env", REGISTRATIONS, recording(told), 3);
    context.runOnContext(v -> follower.start());
    for (int i = 0; i < 40; i++) {
      assertTrue(next(told).startsWith("changed /env/prod/sd/web/sd/r_"));
    }
    assertEquals("loaded", next(told));
    assertEquals(3, onContext(context, follower::mostInFlight), "the bound was reached and kept");
    assertEquals(43, onContext(context, follower::reads));
    context.runOnContext(v -> follower.close());
  }

  /**
   * Curator sets the watch at the follower's start and again at the client's first CONNECTED:
   * a follower started before its client connected (a node's stages start with its client) walks
   * once, not once per setting.
   */
  @Test
  void aFollowerStartedBeforeItsClientConnectedWalksOnce(Vertx vertx) throws Exception {
    create("/env/prod/sd/web/sd/a_1", "A");
    int port = server.getPort();
    server.stop();
    try (CuratorFramework early = ZooKeeperClients.start(new JsonObject().put("connect", server.getConnectString()))) {
      Context context = vertx.getOrCreateContext();
      LinkedBlockingQueue<String> told = new LinkedBlockingQueue<>();
      ZnodeFollower follower = new ZnodeFollower(early, context, "/env", REGISTRATIONS, recording(told));
      context.runOnContext(v -> follower.start());
      server.restart(); // on the same port
      assertEquals(port, server.getPort());
      assertEquals("changed /env/prod/sd/web/sd/a_1 A", next(told));
      assertEquals("loaded", next(told));
      create("/env/prod/sd/web/sd/b_2", "B"); // a later fact on the same ordered path
      assertEquals("changed /env/prod/sd/web/sd/b_2 B", next(told), "no second walk");
      // /env, /env/prod/sd and web's sd listed, a_1 read; then b_2 read
      assertEquals(5, onContext(context, follower::reads));
      context.runOnContext(v -> follower.close());
    }
  }

  @Test
  void aReconnectionWalksAgainAndADeleteMadeMeanwhileIsReported(Vertx vertx) throws Exception {
    create("/env/prod/sd/web/sd/a_1", "A");
    create("/env/prod/sd/web/sd/b_2", "B");
    Context context = vertx.getOrCreateContext();
    LinkedBlockingQueue<String> told = new LinkedBlockingQueue<>();
    ZnodeFollower follower = new ZnodeFollower(client, context, "/env", REGISTRATIONS, recording(told));
    context.runOnContext(v -> follower.start());
    next(told);
    next(told);
    assertEquals("loaded", next(told));
    server.restart(); // the follower's connection drops; its session outlives the restart
    try (CuratorFramework writer = ZooKeeperClients.start(new JsonObject().put("connect", server.getConnectString()))) {
      assertTrue(writer.blockUntilConnected(10, TimeUnit.SECONDS));
      writer.delete().forPath("/env/prod/sd/web/sd/b_2");
    }
    // the delete is heard by the watch or found missing by the walk after the reconnection,
    // whichever came first; the walk reads what is still there again and says it is done
    boolean deleted = false;
    boolean walkedAgain = false;
    while (!deleted || !walkedAgain) {
      String event = next(told);
      if (event.equals("deleted /env/prod/sd/web/sd/b_2")) {
        deleted = true;
      } else if (event.equals("loaded")) {
        walkedAgain = true;
      } else {
        assertEquals("changed /env/prod/sd/web/sd/a_1 A", event);
      }
    }
    context.runOnContext(v -> follower.close());
  }

  @Test
  void aFollowerThatClosesLeavesAnotherOnTheSameRootHearing(Vertx vertx) throws Exception {
    create("/env/prod/sd/web/sd/a_1", "A");
    Context context = vertx.getOrCreateContext();
    LinkedBlockingQueue<String> registrations = new LinkedBlockingQueue<>();
    LinkedBlockingQueue<String> definitions = new LinkedBlockingQueue<>();
    ZnodeFollower following = new ZnodeFollower(client, context, "/env", REGISTRATIONS, recording(registrations));
    ZnodeFollower closing = new ZnodeFollower(client, context, "/env", List.of(ZnodeFollower.ANY, "sd", ZnodeFollower.ANY),
      recording(definitions));
    context.runOnContext(v -> {
      following.start();
      closing.start();
    });
    assertEquals("changed /env/prod/sd/web/sd/a_1 A", next(registrations));
    assertEquals("loaded", next(registrations));
    next(definitions);
    assertEquals("loaded", next(definitions));
    java.util.concurrent.CompletableFuture<Void> closed = new java.util.concurrent.CompletableFuture<>();
    context.runOnContext(v -> {
      closing.close(); // a stage of the same process stops
      closed.complete(null);
    });
    closed.get(10, TimeUnit.SECONDS);
    // (the close's removal, sent on the same connection, is answered before this create's event)
    client.watchers().remove(new org.apache.zookeeper.Watcher() {
      @Override
      public void process(org.apache.zookeeper.WatchedEvent event) {
      }
    }).quietly().forPath("/unwatched");
    create("/env/prod/sd/web/sd/b_2", "B");
    assertEquals("changed /env/prod/sd/web/sd/b_2 B", next(registrations), "the other follower still hears");
    context.runOnContext(v -> following.close());
  }

  private static long onContext(Context context, java.util.function.LongSupplier value) throws Exception {
    LinkedBlockingQueue<Long> answer = new LinkedBlockingQueue<>();
    context.runOnContext(v -> answer.add(value.getAsLong()));
    Long got = answer.poll(5, TimeUnit.SECONDS);
    assertTrue(got != null, "the context did not answer");
    return got;
  }
}
