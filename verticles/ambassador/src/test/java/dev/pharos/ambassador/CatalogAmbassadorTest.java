package dev.pharos.ambassador;

import static dev.pharos.ambassador.ListenerClient.firstLine;

import dev.pharos.bus.Addresses;
import dev.pharos.testing.Await;
import dev.pharos.testing.FreePorts;
import dev.pharos.zookeeper.ZooKeeperClients;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.junit5.VertxExtension;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ambassador with endpoints from ZooKeeper (Nerve znodes, Synapse's semantics) and Nesoi,
 * on a real in-process ZooKeeper and real sockets on loopback.
 */
@ExtendWith(VertxExtension.class)
class CatalogAmbassadorTest {

  private TestingServer server;
  private CuratorFramework writer;
  private final Map<String, NetServer> backends = new HashMap<>();

  @BeforeEach
  void start() throws Exception {
    server = new TestingServer(true);
    writer = ZooKeeperClients.start(new JsonObject().put("connect", server.getConnectString()));
  }

  @AfterEach
  void stop(Vertx vertx) throws Exception {
    for (String id : vertx.deploymentIDs()) {
      vertx.undeploy(id).await(20, TimeUnit.SECONDS);
    }
    writer.close();
    server.close();
  }

  private JsonObject deploy(Vertx vertx, String... descriptors) throws Exception {
    JsonObject conf = new JsonObject().put("instanceId", "h1").put("hostIp", "127.0.0.1")
      .put("zookeeper", new JsonObject().put("connect", server.getConnectString()).put("sessionTimeoutMs", 60_000)
        .put("connectionTimeoutMs", 1000))
      .put("ambassador", new JsonObject().put("descriptors", new JsonArray(java.util.List.of(descriptors)))
        .put("ejectAfterFailures", 2).put("ejectForMs", 60_000).put("connectTimeoutMs", 1000));
    vertx.deployVerticle(new AmbassadorVerticle(), new DeploymentOptions().setConfig(conf)).await(20, TimeUnit.SECONDS);
    return conf;
  }

  /** A backend that writes its name to each connection. */
  private int backend(Vertx vertx, String name) {
    NetServer server = vertx.createNetServer().connectHandler(socket -> socket.write(name + "\n"));
    backends.put(name, server);
    return server.listen(0, "127.0.0.1").await().actualPort();
  }

  private void register(String env, String app, String name, int port, String extra) throws Exception {
    String data = "{\"host\":\"127.0.0.1\",\"port\":" + port + ",\"name\":\"" + name + "\"" + extra + "}";
    writer.create().orSetData().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL)
      .forPath("/env/" + env + "/sd/" + app + "/sd/" + name + "_0000000001", data.getBytes(StandardCharsets.UTF_8));
  }

  private void deregister(String env, String app, String name) throws Exception {
    writer.delete().forPath("/env/" + env + "/sd/" + app + "/sd/" + name + "_0000000001");
  }


  private static Map<String, Integer> split(int listen, int connections) throws IOException {
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < connections; i++) {
      seen.merge(String.valueOf(firstLine(listen)), 1, Integer::sum);
    }
    return seen;
  }

  private static JsonObject health(Vertx vertx) throws Exception {
    return vertx.eventBus().<JsonObject>request(Addresses.status(Addresses.AMBASSADOR), new JsonObject())
      .await(5, TimeUnit.SECONDS).body();
  }

  private static boolean hasProblem(Vertx vertx, String subjectPart, String reasonPart) throws Exception {
    return health(vertx).getJsonArray("problems").stream().map(JsonObject.class::cast)
      .anyMatch(p -> p.getString("subject").contains(subjectPart) && p.getString("reason").contains(reasonPart));
  }

  @Test
  void nerveWeightsSplitTheConnections(Vertx vertx) throws Exception {
    register("dev", "web", "light", backend(vertx, "light"), ",\"weight\":1");
    register("dev", "web", "heavy", backend(vertx, "heavy"), ",\"weight\":3");
    int listen = FreePorts.one();
    deploy(vertx, "BACKEND_WEB=/env/dev/sd/web;" + listen);
    Await.until("both endpoints are in the listener", () -> split(listen, 8).size() == 2);
    Map<String, Integer> seen = split(listen, 1000);
    // smooth weighted round-robin over sequential connections: 250 and 750, within 2%
    assertTrue(Math.abs(seen.getOrDefault("light", 0) - 250) <= 20 && Math.abs(seen.getOrDefault("heavy", 0) - 750) <= 20,
      "1,000 connections over weights 1 and 3: " + seen);
  }

  @Test
  void aBackupIsUsedOnlyWhenTheOthersAreGoneOrEjected(Vertx vertx) throws Exception {
    register("dev", "db", "primary", backend(vertx, "primary"), "");
    register("dev", "db", "spare", backend(vertx, "spare"), ",\"haproxy_server_options\":\"backup\"");
    int listen = FreePorts.one();
    deploy(vertx, "BACKEND_DB=db[dev];" + listen);
    Await.until("the primary serves", () -> "primary".equals(firstLine(listen)));
    assertEquals(Map.of("primary", 50), split(listen, 50), "the backup takes nothing while the primary is up");

    deregister("dev", "db", "primary");
    Await.until("the backup takes over", () -> "spare".equals(firstLine(listen)));
    register("dev", "db", "primary", backends.get("primary").actualPort(), "");
    Await.until("the primary is back", () -> "primary".equals(firstLine(listen)));

    // the primary stops answering but stays registered: refusals fall through to the backup, and
    // after 2 in a row it is ejected
    backends.get("primary").close().await(5, TimeUnit.SECONDS);
    assertEquals(Map.of("spare", 10), split(listen, 10), "a refused connection falls through to the backup");
    assertTrue(vertx.eventBus().<JsonObject>request(Addresses.DESCRIPTORS, new JsonObject()).await(5, TimeUnit.SECONDS).body()
      .getJsonArray("descriptors").getJsonObject(0).getJsonArray("endpoints").stream().map(JsonObject.class::cast)
      .anyMatch(e -> e.getBoolean("ejected") && !e.getBoolean("backup")), "/v1/descriptors shows the ejection");
  }

  @Test
  void aClientThatSpeaksFirstIsHeard(Vertx vertx) throws Exception {
    NetServer echo = vertx.createNetServer().connectHandler(socket -> socket.handler(socket::write));
    backends.put("echo", echo);
    register("dev", "echo", "e1", echo.listen(0, "127.0.0.1").await().actualPort(), "");
    int listen = FreePorts.one();
    deploy(vertx, "BACKEND_ECHO=echo;" + listen);
    Await.until("the listener has its endpoint", () -> vertx.eventBus().<JsonObject>request(Addresses.DESCRIPTORS, new JsonObject())
      .await(5, TimeUnit.SECONDS).body().getJsonArray("descriptors").getJsonObject(0).getJsonArray("endpoints").size() == 1);
    for (int i = 0; i < 20; i++) {
      try (Socket s = new Socket("127.0.0.1", listen)) {
        s.setSoTimeout(5000);
        s.getOutputStream().write(("hello " + i + "\n").getBytes(StandardCharsets.UTF_8));
        s.getOutputStream().flush();
        assertEquals("hello " + i, ListenerClient.readLine(s.getInputStream()), "the bytes sent before the endpoint answered");
      }
    }
  }

  @Test
  void aNesoiHostIsReachedThroughADescriptor(Vertx vertx) throws Exception {
    int port = backend(vertx, "rest");
    writer.create().creatingParentsIfNeeded().forPath("/nesoi/srv/api/h1",
      ("{\"name\":\"h1\",\"endpoints\":{\"http\":\"http://127.0.0.1:" + port + "/\"}}").getBytes(StandardCharsets.UTF_8));
    int listen = FreePorts.one();
    deploy(vertx, "BACKEND_API=api[http];" + listen);
    Await.until("the Nesoi host serves", () -> "rest".equals(firstLine(listen)));
  }

  @Test
  void aZooKeeperOutageKeepsTheLastEndpointsAndHealthSaysSo(Vertx vertx) throws Exception {
    register("dev", "web", "a", backend(vertx, "a"), "");
    int listen = FreePorts.one();
    deploy(vertx, "BACKEND_WEB=web;" + listen);
    Await.until("the listener forwards to a", () -> "a".equals(firstLine(listen)));
    server.stop();
    Await.until("health says the store is unreachable", () -> hasProblem(vertx, "store zookeeper", "last known"));
    assertEquals(Map.of("a", 20), split(listen, 20), "the last known endpoints still serve");
    server.restart();
    Await.until("the store problem clears", () -> !hasProblem(vertx, "store zookeeper", ""));
  }
}
