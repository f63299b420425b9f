package dev.pharos.definitions;

import dev.pharos.testing.EventLoopGuard;
import dev.pharos.bus.Addresses;
import dev.pharos.etcd.EtcdClients;
import dev.pharos.etcd.EtcdServer;
import dev.pharos.zookeeper.ZooKeeperClients;
import dev.pharos.zookeeper.ZooKeeperSessions;
import io.etcd.jetcd.Client;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import dev.pharos.testing.Await;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Definitions from a real ZooKeeper and a real etcd, and which one wins when both define an app. */
@ExtendWith(EventLoopGuard.class)
class DefinitionWatcherTest {

  private static final String WEB = "{\"nerve\": {\"check_interval\": 2, \"checks\": [{\"type\": \"tcp\", \"timeout\": 1}]}}";
  private static final String WEB_ZK = "{\"nerve\": {\"check_interval\": 5, \"checks\": [{\"type\": \"tcp\", \"timeout\": 1}]}}";

  private TestingServer zookeeperServer;
  private EtcdServer etcdServer;
  private CuratorFramework zk;
  private Client etcd;
  private final List<JsonObject> facts = new CopyOnWriteArrayList<>();

  @BeforeEach
  void deploy(@TempDir Path dir, Vertx vertx) throws Exception {
    zookeeperServer = new TestingServer(true);
    etcdServer = EtcdServer.start(dir.resolve("etcd"));
    JsonObject etcdConf = new JsonObject().put("endpoints", new JsonArray().add(etcdServer.endpoint()));
    JsonObject zkConf = new JsonObject().put("connect", zookeeperServer.getConnectString());
    zk = ZooKeeperClients.start(zkConf);
    etcd = EtcdClients.create(vertx, etcdConf);
    put("/env/dev/sd/web", WEB); // before the start: the pull finds it
    vertx.eventBus().<JsonObject>consumer(Addresses.DEFINITIONS, m -> facts.add(m.body()));
    JsonObject conf = new JsonObject().put("instanceId", "h1").put("zookeeper", zkConf).put("etcd", etcdConf);
    vertx.deployVerticle(new DefinitionWatcherVerticle(), new DeploymentOptions().setConfig(conf)).await(20, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop(Vertx vertx) throws Exception {
    for (String id : vertx.deploymentIDs()) {
      vertx.undeploy(id).await(20, TimeUnit.SECONDS);
    }
    zk.close();
    etcd.close();
    etcdServer.close();
    zookeeperServer.close();
  }

  private void put(String key, String value) throws Exception {
    etcd.getKVClient().put(EtcdClients.bytes(key), EtcdClients.bytes(value)).get(10, TimeUnit.SECONDS);
  }


  private JsonObject last() {
    return facts.get(facts.size() - 1);
  }

  private static List<JsonObject> snapshot(Vertx vertx) throws Exception {
    return vertx.eventBus().<JsonObject>request(Addresses.DEFINITIONS_SNAPSHOT, new JsonObject()).await(5, TimeUnit.SECONDS)
      .body().getJsonArray("definitions").stream().map(JsonObject.class::cast).toList();
  }

  private static boolean hasProblem(Vertx vertx, String subject, String reasonPart) throws Exception {
    return vertx.eventBus().<JsonObject>request(Addresses.status(Addresses.DEFINITION_WATCHER), new JsonObject())
      .await(5, TimeUnit.SECONDS).body().getJsonArray("problems").stream().map(JsonObject.class::cast)
      .anyMatch(p -> p.getString("subject").equals(subject) && p.getString("reason").contains(reasonPart));
  }

  private static long zookeeperEvents(Vertx vertx) throws Exception {
    return vertx.eventBus().<JsonObject>request(Addresses.status(Addresses.DEFINITION_WATCHER), new JsonObject())
      .await(5, TimeUnit.SECONDS).body().getJsonObject("details").getLong("zookeeperEvents", 0L);
  }

  private static long zookeeperReads(Vertx vertx) throws Exception {
    return vertx.eventBus().<JsonObject>request(Addresses.status(Addresses.DEFINITION_WATCHER), new JsonObject())
      .await(5, TimeUnit.SECONDS).body().getJsonObject("details").getLong("zookeeperReads", 0L);
  }

  @Test
  void registrationsBelowADefinitionNeverReachItsParsing(Vertx vertx) throws Exception {
    zk.create().creatingParentsIfNeeded().forPath("/env/prod/sd/api", WEB.getBytes());
    Await.until("the api definition", () -> snapshot(vertx).stream().anyMatch(d -> d.getString("app").equals("api")));
    long before = zookeeperEvents(vertx);
    long readsBefore = zookeeperReads(vertx);
    for (int i = 0; i < 200; i++) {
      zk.create().creatingParentsIfNeeded().forPath("/env/prod/sd/api/sd/h" + i + "_000000000" + i,
        ("{\"host\":\"127.0.0.1\",\"port\":" + (10000 + i) + ",\"name\":\"h" + i + "\"}").getBytes());
    }
    // a later change of the definition itself, on the same ZooKeeper session and watch path
    zk.setData().forPath("/env/prod/sd/api", WEB_ZK.getBytes());
    Await.until("the changed definition", () -> snapshot(vertx).stream()
      .anyMatch(d -> d.getString("app").equals("api") && d.getLong("checkIntervalMs") == 5000));
    assertEquals(before + 1, zookeeperEvents(vertx), "only the definition's own change reached the watcher");
    assertEquals(readsBefore + 1, zookeeperReads(vertx), "one read, of the definition: none of a registration");
  }

  /** Events are not replayed across a lost session: the new one's watch walks the definitions again. */
  @Test
  void definitionsAreFollowedAcrossANewSession(Vertx vertx) throws Exception {
    zk.create().creatingParentsIfNeeded().forPath("/env/prod/sd/api", WEB.getBytes());
    zk.create().creatingParentsIfNeeded().forPath("/env/prod/sd/db", WEB.getBytes());
    Await.until("both definitions", () -> snapshot(vertx).stream().filter(d -> d.getString("env").equals("prod")).count() == 2);
    CuratorFramework watcherClient = ZooKeeperSessions.acquire(vertx, new JsonObject()
      .put("connect", zookeeperServer.getConnectString())).await(10, TimeUnit.SECONDS);
    try {
      long session = watcherClient.getZookeeperClient().getZooKeeper().getSessionId();
      watcherClient.getZookeeperClient().getZooKeeper().getTestable().injectSessionExpiration();
      zk.delete().forPath("/env/prod/sd/db"); // while the watcher's session is gone, or just after
      zk.create().forPath("/env/prod/sd/cache", WEB_ZK.getBytes());
      Await.until("a new session", () -> watcherClient.getZookeeperClient().isConnected()
        && watcherClient.getZookeeperClient().getZooKeeper().getSessionId() != session);
      Await.until("db gone and cache there", () -> {
        List<String> apps = snapshot(vertx).stream().filter(d -> d.getString("env").equals("prod"))
          .map(d -> d.getString("app")).sorted().toList();
        return apps.equals(List.of("api", "cache"));
      });
      zk.setData().forPath("/env/prod/sd/api", WEB_ZK.getBytes());
      Await.until("a change after the new session", () -> snapshot(vertx).stream()
        .anyMatch(d -> d.getString("app").equals("api") && d.getLong("checkIntervalMs") == 5000));
    } finally {
      ZooKeeperSessions.release(vertx, watcherClient).await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void etcdDefinitionsArePulledWatchedAndYieldToZooKeepers(Vertx vertx) throws Exception {
    Await.until("etcd's web definition", () -> snapshot(vertx).size() == 1
      && snapshot(vertx).get(0).getLong("checkIntervalMs") == 2000);

    put("/env/dev/sd/bad", "{\"nerve\": {\"checks\": [{\"type\": \"ftp\"}]}}");
    put("/env/dev/sd/api", WEB);
    Await.until("the api definition from the watch", () -> snapshot(vertx).size() == 2);
    assertTrue(hasProblem(vertx, "etcd /env/dev/sd/bad", "malformed definition"), "the bad key is reported by name");

    zk.create().creatingParentsIfNeeded().forPath("/env/dev/sd/web", WEB_ZK.getBytes());
    Await.until("ZooKeeper's web definition is used", () -> snapshot(vertx).stream()
      .anyMatch(d -> d.getString("app").equals("web") && d.getLong("checkIntervalMs") == 5000));
    assertTrue(hasProblem(vertx, "etcd /env/dev/sd/web", "also defined in ZooKeeper"));
    JsonObject retract = facts.get(facts.size() - 2);
    assertEquals("delete", retract.getString("type"), "a switch of store retracts first: " + facts);
    assertEquals("put", last().getString("type"));

    zk.delete().forPath("/env/dev/sd/web");
    Await.until("etcd's web definition again", () -> snapshot(vertx).stream()
      .anyMatch(d -> d.getString("app").equals("web") && d.getLong("checkIntervalMs") == 2000));

    etcd.getKVClient().delete(EtcdClients.bytes("/env/dev/sd/web")).get(10, TimeUnit.SECONDS);
    Await.until("the web definition retracted", () -> snapshot(vertx).stream().noneMatch(d -> d.getString("app").equals("web")));
    assertEquals("delete", last().getString("type"));
    assertEquals("web", last().getString("app"));
  }
}
