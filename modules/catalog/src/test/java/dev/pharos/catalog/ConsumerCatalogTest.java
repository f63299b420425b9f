package dev.pharos.catalog;

import dev.pharos.zookeeper.ZooKeeperClients;
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
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The process's catalog over a real (in-process) ZooKeeper: Nerve znodes and Nesoi hosts, and an outage. */
@ExtendWith(VertxExtension.class)
class ConsumerCatalogTest {

  private TestingServer server;
  private CuratorFramework writer;
  private ConsumerCatalog catalog;
  private final LinkedBlockingQueue<Set<String>> told = new LinkedBlockingQueue<>();

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    server = new TestingServer(true);
    writer = ZooKeeperClients.start(new JsonObject().put("connect", server.getConnectString()));
    JsonObject conf = new JsonObject().put("zookeeper", new JsonObject().put("connect", server.getConnectString())
      .put("sessionTimeoutMs", 60_000).put("connectionTimeoutMs", 1000));
    catalog = ConsumerCatalog.acquire(vertx, conf).await(10, TimeUnit.SECONDS);
    catalog.subscribe(vertx.getOrCreateContext(), told::add);
    until("the catalog loaded", catalog::loaded);
  }

  @AfterEach
  void stop(Vertx vertx) throws Exception {
    catalog.release().await(10, TimeUnit.SECONDS);
    writer.close();
    server.close();
  }

  /** Waits for each telling and checks again, for at most 10 s. */
  private void until(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("timed out waiting until " + what);
      }
      told.poll(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)), TimeUnit.NANOSECONDS);
    }
  }

  private void create(String path, String json, CreateMode mode) throws Exception {
    writer.create().orSetData().creatingParentsIfNeeded().withMode(mode).forPath(path, json.getBytes(StandardCharsets.UTF_8));
  }

  private List<String> addresses(String app, String env, String... tags) {
    return catalog.endpoints(app, env, Set.of(tags)).stream().map(CatalogEndpoint::address).toList();
  }

  @Test
  void nerveRegistrationsAndNesoiHostsComeAndGo() throws Exception {
    create("/env/dev/sd/web", "{\"nerve\":{}}", CreateMode.PERSISTENT); // a definition: not an endpoint
    create("/env/dev/sd/web/sd/h1_0000000001", "{\"host\":\"127.0.0.1\",\"port\":18091,\"name\":\"h1\",\"weight\":2}",
      CreateMode.EPHEMERAL);
    create("/nesoi/srv/web/rest1", "{\"name\":\"rest1\",\"endpoints\":{\"http\":\"http://127.0.0.2:8080/\","
      + "\"admin\":\"http://127.0.0.2/\"}}", CreateMode.PERSISTENT);
    until("both stores' endpoints show", () -> addresses("web", null).size() == 2);
    assertEquals(List.of("127.0.0.1:18091"), addresses("web", "dev"));
    assertEquals(2, catalog.endpoints("web", "dev", Set.of()).get(0).weight());
    assertEquals(List.of("127.0.0.2:8080"), addresses("web", CatalogEndpoint.NESOI_ENV, "http"));
    assertEquals("endpoint admin: URI 'http://127.0.0.2/' has no port",
      catalog.problems().get("nesoi /nesoi/srv/web/rest1#admin"));

    writer.delete().forPath("/env/dev/sd/web/sd/h1_0000000001");
    until("the deregistration shows", () -> addresses("web", "dev").isEmpty());
    create("/nesoi/srv/web/rest1", "{\"name\":\"rest1\",\"endpoints\":{\"admin\":\"http://127.0.0.2:9090/\"}}",
      CreateMode.PERSISTENT);
    until("the changed host shows", () -> addresses("web", null).equals(List.of("127.0.0.2:9090")));
    assertTrue(catalog.problems().isEmpty(), "the fixed endpoint is no longer a problem: " + catalog.problems());
  }

  @Test
  void aZooKeeperOutageKeepsTheLastEndpointsAndSaysSo() throws Exception {
    create("/env/dev/sd/web/sd/h1_0000000001", "{\"host\":\"127.0.0.1\",\"port\":18091,\"name\":\"h1\"}", CreateMode.PERSISTENT);
    until("the registration shows", () -> addresses("web", "dev").size() == 1);
    server.stop();
    until("the store is unreachable", () -> catalog.stores().get(CatalogEndpoint.ZOOKEEPER).state().equals("unreachable"));
    assertEquals(List.of("127.0.0.1:18091"), addresses("web", "dev"), "the last known endpoints are served");
    server.restart();
    until("the store is ready again", () -> catalog.stores().get(CatalogEndpoint.ZOOKEEPER).state().equals("ready"));
    create("/env/dev/sd/web/sd/h2_0000000002", "{\"host\":\"127.0.0.1\",\"port\":18092,\"name\":\"h2\"}", CreateMode.PERSISTENT);
    until("changes flow again", () -> addresses("web", "dev").size() == 2);
  }
}
