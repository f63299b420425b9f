package dev.pharos.zookeeper;

import io.vertx.core.json.JsonObject;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;

/** Builds the Curator clients the stages use, from the {@code zookeeper} section of the conf. */
public final class ZooKeeperClients {

  private ZooKeeperClients() {
  }

  /** A started client (it connects in the background; Curator retries with backoff). */
  public static CuratorFramework start(JsonObject zookeeperConf) {
    String connect = zookeeperConf.getString("connect");
    if (connect == null || connect.isBlank()) {
      throw new IllegalArgumentException("zookeeper.connect is not set (ZK_HOSTS, or the embedded server)");
    }
    JsonObject retry = zookeeperConf.getJsonObject("retry", new JsonObject());
    CuratorFramework client = CuratorFrameworkFactory.builder()
      .connectString(connect)
      .sessionTimeoutMs(zookeeperConf.getInteger("sessionTimeoutMs", 15000))
      .connectionTimeoutMs(zookeeperConf.getInteger("connectionTimeoutMs", 5000))
      .retryPolicy(new ExponentialBackoffRetry(retry.getInteger("baseSleepMs", 200),
        retry.getInteger("maxRetries", 29), retry.getInteger("maxSleepMs", 5000)))
      .build();
    client.start();
    return client;
  }
}
