package dev.pharos.serfbridge;

import dev.pharos.testing.EventLoopGuard;
import dev.pharos.bus.Addresses;
import dev.pharos.etcd.EtcdClients;
import dev.pharos.etcd.EtcdServer;
import dev.pharos.serf.SerfAgent;
import dev.pharos.testing.Await;
import dev.pharos.testing.StageProblems;
import io.etcd.jetcd.Client;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Config kept in a real etcd, propagated through a real serf agent as config_updated events. */
@ExtendWith(EventLoopGuard.class)
class SerfBridgeEtcdTest {


  @Test
  void valuesUnderThePrefixBecomeVersionedConfigFiles(@TempDir Path dir, Vertx vertx) throws Exception {
    try (EtcdServer etcd = EtcdServer.start(dir.resolve("etcd"));
         SerfAgent agent = SerfAgent.start("node-a", Map.of(), null, null, dir.resolve("a.log"))) {
      JsonObject etcdConf = new JsonObject().put("endpoints", new JsonArray().add(etcd.endpoint()));
      Client client = EtcdClients.create(vertx, etcdConf);
      client.getKVClient().put(EtcdClients.bytes("/config/product1/db"), EtcdClients.bytes("{\"user\":\"u1\"}")).get(10, TimeUnit.SECONDS);
      Path configs = dir.resolve("configs");
      vertx.deployVerticle(new SerfBridgeVerticle(), new DeploymentOptions().setConfig(new JsonObject().put("instanceId", "h1")
        .put("etcd", etcdConf)
        .put("serf", new JsonObject().put("rpc", "127.0.0.1:" + agent.rpcPort()).put("etcdConfigPrefix", "/config/")
          .put("confDir", dir.resolve("conf").toString()).put("configsDir", configs.toString())))).await(20, TimeUnit.SECONDS);

      Path db = configs.resolve("product1/db.json");
      Await.until("the value pulled at start stored through serf", () -> Files.exists(db));
      long first = new JsonObject(Files.readString(db)).getLong("_version");
      client.getKVClient().put(EtcdClients.bytes("/config/product1/db"), EtcdClients.bytes("{\"user\":\"u2\"}")).get(10, TimeUnit.SECONDS);
      Await.until("the watched change stored", () -> "u2".equals(new JsonObject(Files.readString(db)).getString("user")));
      assertTrue(new JsonObject(Files.readString(db)).getLong("_version") > first, "the revision is the version");

      client.getKVClient().put(EtcdClients.bytes("/config/product1/big"),
        EtcdClients.bytes(new JsonObject().put("x", "y".repeat(600)).encode())).get(10, TimeUnit.SECONDS);
      client.getKVClient().put(EtcdClients.bytes("/config/product1/text"), EtcdClients.bytes("plain")).get(10, TimeUnit.SECONDS);
      client.getKVClient().put(EtcdClients.bytes("/config/too/deep/key"), EtcdClients.bytes("{}")).get(10, TimeUnit.SECONDS);
      Await.until("each refusal reported by key", () -> StageProblems.has(vertx, Addresses.SERF_BRIDGE, "etcd /config/product1/big", "512")
        && StageProblems.has(vertx, Addresses.SERF_BRIDGE, "etcd /config/product1/text", "not JSON")
        && StageProblems.has(vertx, Addresses.SERF_BRIDGE, "etcd /config/too/deep/key", "<product>/<key>"));
      assertEquals(false, Files.exists(configs.resolve("product1/big.json")));
      client.close();
    }
  }
}
