package dev.pharos.zookeeper;

import io.vertx.core.json.JsonObject;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;

/**
 * A real ZooKeeper server (Curator's {@link TestingServer}) on a free port and a client of it
 * made as Pharos makes its own, with a 4 s session so that expiry tests are quick. The client
 * closes before the server.
 */
final class TestZooKeeper implements AutoCloseable {

  final TestingServer server;
  final CuratorFramework client;

  TestZooKeeper() throws Exception {
    server = new TestingServer(true);
    client = ZooKeeperClients.start(new JsonObject().put("connect", server.getConnectString()).put("sessionTimeoutMs", 4000));
  }

  @Override
  public void close() throws Exception {
    client.close();
    server.close();
  }
}
