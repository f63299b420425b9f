package dev.pharos.nesoi;

import dev.pharos.zookeeper.ZooKeeperClients;
import io.vertx.core.json.JsonObject;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;

/** A real in-process ZooKeeper with Nesoi's layout, and a client of it: the tests' store. */
final class NesoiZooKeeper implements AutoCloseable {

  final TestingServer server;
  final CuratorFramework zk;

  NesoiZooKeeper() throws Exception {
    server = new TestingServer(true);
    zk = ZooKeeperClients.start(new JsonObject().put("connect", server.getConnectString()));
    new NesoiStore(zk).ensureLayout();
  }

  @Override
  public void close() throws Exception {
    zk.close();
    server.close();
  }
}
