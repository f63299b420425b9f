package dev.pharos.nesoi;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The web-hook notifier's work in ZooKeeper, so a new leader takes over exactly where the old one
 * stopped. {@link #fanOut} turns each change record into one pending delivery per web-hook of the
 * changed resource and deletes the record, in one transaction; each hook's deliveries wait in a
 * queue of their own, in order, until its receiver accepts them:
 *
 * <pre>/nesoi/deliveries/{kind}.{name}.{hook}/d-NNNNNNNNNN   {"name","endpoint","uri"}</pre>
 *
 * <p>Every method blocks: call them from {@code executeBlocking}.
 */
public final class DeliveryQueue {

  public static final String DELIVERIES = NesoiStore.ROOT + "/deliveries";

  /** One pending delivery: its znode, and the hook's name, endpoint and the changed resource's URI path. */
  public record Delivery(String path, String hook, String endpoint, String uri) {
  }

  private final CuratorFramework client;

  public DeliveryQueue(CuratorFramework client) {
    this.client = client;
  }

  public static String queue(String kind, String name, String hook) {
    return DELIVERIES + "/" + kind + "." + name + "." + hook;
  }

  /**
   * Moves every change record into the queues of the hooks registered on its resource, oldest
   * first. @return the queues that got work
   */
  public List<String> fanOut() throws Exception {
    client.createContainers(DELIVERIES);
    List<String> fed = new ArrayList<>();
    List<String> records = new ArrayList<>(client.getChildren().forPath(NesoiStore.CHANGES));
    records.sort(null); // sequence numbers: the order of the writes
    for (String record : records) {
      String recordPath = NesoiStore.CHANGES + "/" + record;
      JsonObject change;
      try {
        change = json(client.getData().forPath(recordPath));
      } catch (KeeperException.NoNodeException gone) {
        continue;
      }
      List<CuratorOp> ops = new ArrayList<>();
      String kind = change.getString("kind");
      String name = change.getString("name");
      String hooksPath = NesoiStore.hooksPath(kind, name);
      List<String> hooks = client.checkExists().forPath(hooksPath) == null ? List.of() : client.getChildren().forPath(hooksPath);
      for (String hook : hooks) {
        JsonObject registration;
        try {
          registration = json(client.getData().forPath(hooksPath + "/" + hook));
        } catch (KeeperException.NoNodeException gone) {
          continue;
        }
        String queue = queue(kind, name, hook);
        client.createContainers(queue);
        JsonObject delivery = new JsonObject().put("name", registration.getString("name"))
          .put("endpoint", registration.getString("endpoint")).put("uri", change.getString("uri"));
        ops.add(client.transactionOp().create().withMode(CreateMode.PERSISTENT_SEQUENTIAL)
          .forPath(queue + "/d-", delivery.encode().getBytes(StandardCharsets.UTF_8)));
        fed.add(queue);
      }
      ops.add(client.transactionOp().delete().forPath(recordPath));
      client.transaction().forOperations(ops);
    }
    return fed;
  }

  /** Every queue that holds deliveries (after a failover, the new leader resumes them). */
  public List<String> queues() throws Exception {
    if (client.checkExists().forPath(DELIVERIES) == null) {
      return List.of();
    }
    return client.getChildren().forPath(DELIVERIES).stream().map(q -> DELIVERIES + "/" + q).toList();
  }

  /** The oldest pending delivery of {@code queue}, or null when it is empty. */
  public Delivery next(String queue) throws Exception {
    List<String> pending;
    try {
      pending = new ArrayList<>(client.getChildren().forPath(queue));
    } catch (KeeperException.NoNodeException gone) {
      return null;
    }
    pending.sort(null);
    for (String item : pending) {
      try {
        JsonObject d = json(client.getData().forPath(queue + "/" + item));
        return new Delivery(queue + "/" + item, d.getString("name"), d.getString("endpoint"), d.getString("uri"));
      } catch (KeeperException.NoNodeException gone) {
        // delivered by someone meanwhile
      }
    }
    return null;
  }

  public void done(Delivery delivery) throws Exception {
    try {
      client.delete().forPath(delivery.path());
    } catch (KeeperException.NoNodeException gone) {
      // already done
    }
  }

  private static JsonObject json(byte[] data) {
    return Buffer.buffer(data).toJsonObject();
  }
}
