package dev.pharos.catalog;

import dev.pharos.testing.Await;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

/** The catalog's ZooKeeper stores on a real (in-process) ZooKeeper server that goes away and comes back. */
class ZooKeeperStoresTest {

  private TestingServer server;
  private Vertx vertx;

  @AfterEach
  void stop() throws Exception {
    if (vertx != null) {
      vertx.close().await(20, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void bothStoresOfTheOneZooKeeperAreUnreachableWhileItIsAndReadyAgainAfter() throws Exception {
    server = new TestingServer(true);
    vertx = Vertx.vertx();
    ConsumerCatalog catalog = ConsumerCatalog.acquire(vertx, new JsonObject().put("zookeeper", new JsonObject()
      .put("connect", server.getConnectString()).put("sessionTimeoutMs", 60_000).put("connectionTimeoutMs", 2000)))
      .await(20, TimeUnit.SECONDS);
    Await.until("both stores read", catalog::loaded);
    server.stop();
    // Nesoi's hosts are in the same ZooKeeper as Nerve's znodes: stale alike, and both said so
    Await.until("both unreachable", () -> state(catalog, CatalogEndpoint.ZOOKEEPER).equals("unreachable")
      && state(catalog, CatalogEndpoint.NESOI).equals("unreachable"));
    server.restart();
    Await.until("both ready again", () -> state(catalog, CatalogEndpoint.ZOOKEEPER).equals("ready")
      && state(catalog, CatalogEndpoint.NESOI).equals("ready"));
    catalog.release().await(20, TimeUnit.SECONDS);
  }

  private static String state(ConsumerCatalog catalog, String store) {
    return catalog.stores().get(store).state();
  }
}
