package dev.pharos.nesoi;

import dev.pharos.zookeeper.ZooKeeperClients;
import io.vertx.core.json.JsonObject;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The store's writes on a real, in-process ZooKeeper. */
class NesoiStoreTest {

  private TestingServer server;
  private CuratorFramework zk;
  private NesoiStore store;

  @BeforeEach
  void start() throws Exception {
    server = new TestingServer(true);
    zk = ZooKeeperClients.start(new JsonObject().put("connect", server.getConnectString()));
    zk.blockUntilConnected(10, TimeUnit.SECONDS);
    store = new NesoiStore(zk);
    store.ensureLayout();
  }

  @AfterEach
  void stop() throws Exception {
    zk.close();
    server.close();
  }

  @Test
  void theChangesNodeIsNeverAContainerZooKeeperCouldDelete() throws Exception {
    Stat stat = zk.checkExists().forPath("/nesoi/changes");
    assertNotNull(stat);
    assertEquals(0, stat.getEphemeralOwner(), "a plain persistent node (a container has a special owner)");
  }

  @Test
  void writesGoOnWhenTheChangesNodeVanished() throws Exception {
    // as ZooKeeper's container manager did to an emptied /nesoi/changes container of an older version
    store.putHook("srv", "web", new JsonObject().put("name", "h").put("endpoint", "http://127.0.0.1:1/"));
    zk.delete().forPath("/nesoi/changes");
    store.putHost("web", "host1", new JsonObject().put("name", "host1"));
    assertNotNull(zk.checkExists().forPath("/nesoi/srv/web/host1"));
    assertEquals(1, zk.getChildren().forPath("/nesoi/changes").size(), "its change record");

    zk.delete().deletingChildrenIfNeeded().forPath("/nesoi/changes");
    assertTrue(store.deleteHost("web", "host1"), "a delete is not mistaken for a missing host");
    assertNull(zk.checkExists().forPath("/nesoi/srv/web/host1"));
    assertFalse(store.deleteHost("web", "host1"), "now it is missing");
  }

  @Test
  void changesAreRecordedOnlyForResourcesWithHooks() throws Exception {
    // with no web-hook (and maybe no web-hooks stage to consume them) records would pile up forever
    store.putHost("web", "host1", new JsonObject().put("name", "host1"));
    store.putApp("dm", new JsonObject().put("name", "dm"));
    store.recordChange("srv", "web", "/srv/web/docker-1");
    assertEquals(0, zk.getChildren().forPath("/nesoi/changes").size());
    store.putHook("app", "dm", new JsonObject().put("name", "h").put("endpoint", "http://127.0.0.1:1/"));
    store.putApp("dm", new JsonObject().put("name", "dm"));
    store.putHost("web", "host2", new JsonObject().put("name", "host2"));
    assertEquals(1, zk.getChildren().forPath("/nesoi/changes").size(), "only the hooked app's change");
  }
}
