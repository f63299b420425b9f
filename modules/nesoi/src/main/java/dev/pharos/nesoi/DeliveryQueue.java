package dev.pharos.nesoi;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.framework.api.transaction.CuratorTransactionResult;
import org.apache.curator.framework.api.transaction.OperationType;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

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

  /** One pending delivery: its znode, its queue, and the hook's name, endpoint and the changed resource's URI path. */
  public record Delivery(String path, String queue, String hook, String endpoint, String uri) {
    /** {@code app} or {@code srv}: the queue is {@code {kind}.{name}.{hook}}. */
    public String kind() {
      String q = queue.substring(queue.lastIndexOf('/') + 1);
      return q.substring(0, q.indexOf('.'));
    }

    /** The hooked resource's name; the hook's own name is known, so dots in either do not confuse it. */
    public String name() {
      String q = queue.substring(queue.lastIndexOf('/') + 1);
      return q.substring(q.indexOf('.') + 1, q.length() - hook.length() - 1);
    }
  }

  private final CuratorFramework client;
  /** Queues known to exist, so a fan-out does not ask again. */
  private final Set<String> created = ConcurrentHashMap.newKeySet();

  public DeliveryQueue(CuratorFramework client) {
    this.client = client;
  }

  public static String queue(String kind, String name, String hook) {
    return DELIVERIES + "/" + kind + "." + name + "." + hook;
  }

  /**
   * Moves every change record into the queues of the hooks registered on its resource, oldest
   * first, and returns the deliveries made, in order.
   *
   * @param hooks the web-hooks by {@code kind/name}, then hook name ({@link NesoiView#allHooks})
   */
  public List<Delivery> fanOut(Map<String, Map<String, JsonObject>> hooks) throws Exception {
    List<Delivery> made = new ArrayList<>();
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
      String kind = change.getString("kind");
      String name = change.getString("name");
      List<CuratorOp> ops = new ArrayList<>();
      List<JsonObject> deliveries = new ArrayList<>();
      for (JsonObject hook : hooks.getOrDefault(kind + "/" + name, Map.of()).values()) {
        String queue = queue(kind, name, hook.getString("name"));
        if (created.add(queue)) {
          client.createContainers(queue);
        }
        JsonObject delivery = new JsonObject().put("name", hook.getString("name"))
          .put("endpoint", hook.getString("endpoint")).put("uri", change.getString("uri")).put("queue", queue);
        deliveries.add(delivery);
        ops.add(client.transactionOp().create().withMode(CreateMode.PERSISTENT_SEQUENTIAL)
          .forPath(queue + "/d-", delivery.encode().getBytes(StandardCharsets.UTF_8)));
      }
      ops.add(client.transactionOp().delete().forPath(recordPath));
      List<CuratorTransactionResult> results;
      try {
        results = client.transaction().forOperations(ops);
      } catch (KeeperException.NoNodeException e) {
        created.clear(); // a queue container was reaped meanwhile; the next pass makes it again
        throw e;
      }
      int i = 0;
      for (CuratorTransactionResult result : results) {
        if (result.getType() == OperationType.CREATE) {
          JsonObject d = deliveries.get(i++);
          made.add(new Delivery(result.getResultPath(), d.getString("queue"), d.getString("name"), d.getString("endpoint"), d.getString("uri")));
        }
      }
    }
    return made;
  }

  /** Every pending delivery of every queue, each queue in order (a new leader resumes them). */
  public List<Delivery> pending() throws Exception {
    if (client.checkExists().forPath(DELIVERIES) == null) {
      return List.of();
    }
    List<Delivery> all = new ArrayList<>();
    for (String q : client.getChildren().forPath(DELIVERIES)) {
      String queue = DELIVERIES + "/" + q;
      List<String> items;
      try {
        items = new ArrayList<>(client.getChildren().forPath(queue));
      } catch (KeeperException.NoNodeException gone) {
        continue;
      }
      items.sort(null);
      for (String item : items) {
        try {
          JsonObject d = json(client.getData().forPath(queue + "/" + item));
          all.add(new Delivery(queue + "/" + item, queue, d.getString("name"), d.getString("endpoint"), d.getString("uri")));
        } catch (KeeperException.NoNodeException gone) {
          // delivered meanwhile
        }
      }
    }
    return all;
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
