package dev.pharos.serfbridge;

import dev.pharos.testing.EventLoopGuard;
import dev.pharos.bus.Addresses;
import dev.pharos.serf.SerfAgent;
import dev.pharos.testing.Await;
import dev.pharos.zookeeper.ZooKeeperClients;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Config kept under a ZooKeeper path, propagated through a real serf agent as config_updated events. */
@ExtendWith(EventLoopGuard.class)
class SerfBridgeZooKeeperTest {

  @Test
  void valuesUnderThePathBecomeVersionedConfigFiles(@TempDir Path dir, Vertx vertx) throws Exception {
    try (TestingServer server = new TestingServer(true);
         CuratorFramework zk = ZooKeeperClients.start(new JsonObject().put("connect", server.getConnectString()));
         SerfAgent agent = SerfAgent.start("node-z", Map.of(), null, null, dir.resolve("z.log"))) {
      zk.create().creatingParentsIfNeeded().forPath("/config/product1/db", "{\"user\":\"u1\"}".getBytes());
      Path configs = dir.resolve("configs");
      vertx.deployVerticle(new SerfBridgeVerticle(), new DeploymentOptions().setConfig(new JsonObject().put("instanceId", "h1")
        .put("zookeeper", new JsonObject().put("connect", server.getConnectString()))
        .put("serf", new JsonObject().put("rpc", "127.0.0.1:" + agent.rpcPort()).put("zookeeperConfigPath", "/config")
          .put("confDir", dir.resolve("conf").toString()).put("configsDir", configs.toString())))).await(20, TimeUnit.SECONDS);
      Path db = configs.resolve("product1/db.json");
      Await.until("the value stored through serf", () -> Files.exists(db)
        && "u1".equals(new JsonObject(Files.readString(db)).getString("user")));
      long first = new JsonObject(Files.readString(db)).getLong("_version");
      zk.setData().forPath("/config/product1/db", "{\"user\":\"u2\"}".getBytes());
      Await.until("the change stored", () -> "u2".equals(new JsonObject(Files.readString(db)).getString("user")));
      assertTrue(new JsonObject(Files.readString(db)).getLong("_version") > first, "the mzxid is the version");
      zk.create().forPath("/config/product1/text", "plain".getBytes());
      Await.until("the refusal reported by path", () -> vertx.eventBus().<JsonObject>request(Addresses.status(Addresses.SERF_BRIDGE),
        new JsonObject()).await(5, TimeUnit.SECONDS).body().getJsonArray("problems").stream().map(JsonObject.class::cast)
        .anyMatch(p -> p.getString("subject").equals("zookeeper /config/product1/text") && p.getString("reason").contains("not JSON")));
      for (String id : vertx.deploymentIDs()) {
        vertx.undeploy(id).await(20, TimeUnit.SECONDS);
      }
    }
  }
}
