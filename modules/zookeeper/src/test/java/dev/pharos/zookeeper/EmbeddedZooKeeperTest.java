package dev.pharos.zookeeper;

import io.vertx.core.json.JsonObject;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EmbeddedZooKeeperTest {

  @Test
  void dataSurvivesARestart(@TempDir Path dir) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    JsonObject conf = new JsonObject().put("host", "127.0.0.1").put("port", port).put("dataDir", dir.toString());
    try (EmbeddedZooKeeper server = EmbeddedZooKeeper.start(conf);
         CuratorFramework zk = ZooKeeperClients.start(new JsonObject().put("connect", server.connectString()))) {
      assertTrue(zk.blockUntilConnected(20, TimeUnit.SECONDS));
      zk.create().creatingParentsIfNeeded().forPath("/env/dev/sd/web", "{\"nerve\":{}}".getBytes());
    }
    try (EmbeddedZooKeeper server = EmbeddedZooKeeper.start(conf);
         CuratorFramework zk = ZooKeeperClients.start(new JsonObject().put("connect", server.connectString()))) {
      assertTrue(zk.blockUntilConnected(20, TimeUnit.SECONDS));
      assertArrayEquals("{\"nerve\":{}}".getBytes(), zk.getData().forPath("/env/dev/sd/web"));
    }
  }
}
