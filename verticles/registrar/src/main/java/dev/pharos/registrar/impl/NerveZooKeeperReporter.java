package dev.pharos.registrar.impl;

import dev.pharos.metrics.StoreMeters;
import dev.pharos.model.Instance;
import dev.pharos.model.NerveRegistration;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.framework.api.transaction.CuratorTransactionResult;
import org.apache.curator.framework.api.transaction.OperationType;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Writes Nerve registrations: ephemeral-sequential znodes {@code <instance_id>_NNNNNNNNNN} under
 * {@code /env/{env}/sd/{app}/sd} holding Nerve's JSON. Blocking: call from a worker.
 *
 * <p>A registration is created in one transaction with the deletion of every other znode of the
 * same instance (an earlier owner's, a lost reply's retry, an earlier session's), so a reader
 * never sees an instance twice, nor a gap when it moves between registrars.
 *
 * <p>It never creates the definition's own node: a registration whose definition is gone is
 * refused, so a late write cannot resurrect a deleted tree as an empty, malformed definition.
 */
public final class NerveZooKeeperReporter {

  private static final int TAKEOVER_ATTEMPTS = 3;

  private final CuratorFramework client;
  private final StoreMeters meters;

  public NerveZooKeeperReporter(CuratorFramework client, StoreMeters meters) {
    this.meters = meters;
    this.client = client;
  }

  public long sessionId() throws Exception {
    return client.getZookeeperClient().getZooKeeper().getSessionId();
  }

  /**
   * Creates the registration, replacing any other znode of the instance in the same transaction:
   * one listing of the service's registrations and one write.
   *
   * @return the created path, or null when the definition node does not exist
   */
  public String register(Instance instance) throws Exception {
    String parent = instance.registrationsPath();
    byte[] data = instance.data().toBuffer().getBytes();
    for (int attempt = 1; ; attempt++) {
      List<String> existing;
      try {
        existing = existing(instance);
      } catch (KeeperException.NoNodeException e) {
        if (!ensureParent(parent)) {
          return null;
        }
        existing = List.of();
      }
      try {
        return replace(parent + "/" + NerveRegistration.nodePrefix(instance.id()), data, existing);
      } catch (KeeperException.NoNodeException | KeeperException.NotEmptyException raced) {
        // a listed znode went (its session ended, or another registrar took it) or the parent went
        if (attempt >= TAKEOVER_ATTEMPTS) {
          throw raced;
        }
      }
    }
  }

  private boolean ensureParent(String parent) throws Exception {
    try {
      client.create().withMode(CreateMode.PERSISTENT).forPath(parent);
    } catch (KeeperException.NodeExistsException raced) {
      // another writer made it first: fine
    } catch (KeeperException.NoNodeException definitionGone) {
      return false;
    }
    return true;
  }

  private String replace(String path, byte[] data, List<String> existing) throws Exception {
    if (existing.isEmpty()) {
      return meters.time("create", () -> client.create().withMode(CreateMode.EPHEMERAL_SEQUENTIAL).forPath(path, data));
    }
    List<CuratorOp> ops = new ArrayList<>();
    for (String old : existing) {
      ops.add(client.transactionOp().delete().forPath(old));
    }
    ops.add(client.transactionOp().create().withMode(CreateMode.EPHEMERAL_SEQUENTIAL).forPath(path, data));
    List<CuratorTransactionResult> results = meters.time("replace", () -> client.transaction().forOperations(ops));
    return results.stream().filter(r -> r.getType() == OperationType.CREATE).findFirst()
      .map(CuratorTransactionResult::getResultPath).orElseThrow();
  }

  /** Every znode of {@code instance} under its service, whoever holds it. */
  public List<String> existing(Instance instance) throws Exception {
    String parent = instance.registrationsPath();
    String prefix = NerveRegistration.nodePrefix(instance.id());
    List<String> found = new ArrayList<>();
    for (String child : client.getChildren().forPath(parent)) {
      if (child.startsWith(prefix) && child.length() == prefix.length() + 10) {
        found.add(parent + "/" + child);
      }
    }
    return found;
  }

  /**
   * Znodes under {@code parent} of the instances in {@code held} (instance id to the path held
   * for it) other than the held path: what a create retried by Curator after a lost reply left.
   */
  public List<String> strays(String parent, java.util.Map<String, String> held) throws Exception {
    List<String> found = new ArrayList<>();
    for (String child : children(parent)) {
      int sep = child.lastIndexOf('_');
      String heldPath = sep > 0 ? held.get(child.substring(0, sep)) : null;
      if (heldPath != null && !heldPath.equals(parent + "/" + child)) {
        found.add(parent + "/" + child);
      }
    }
    return found;
  }

  /** Removes every znode of {@code instance}, whoever holds it (an owner that let go before a move). */
  public void deleteAll(Instance instance) throws Exception {
    try {
      for (String path : existing(instance)) {
        delete(path);
      }
    } catch (KeeperException.NoNodeException e) {
      // the service's tree is gone: so are its registrations
    }
  }

  /** True when {@code path} exists and belongs to this client's current session. */
  public boolean isOwned(String path) throws Exception {
    Stat stat = client.checkExists().forPath(path);
    return stat != null && stat.getEphemeralOwner() == sessionId();
  }

  public boolean exists(String path) throws Exception {
    return client.checkExists().forPath(path) != null;
  }

  public void update(String path, Instance instance) throws Exception {
    meters.time("update", () -> client.setData().forPath(path, instance.data().toBuffer().getBytes()));
  }

  public void delete(String path) throws Exception {
    try {
      meters.time("delete", () -> client.delete().forPath(path));
    } catch (KeeperException.NoNodeException e) {
      // already gone (deleted by hand, or with its session): the goal is reached
    }
  }

  /**
   * Registrations under {@code /env/*}/sd/*}/sd} whose names start with {@code namePrefix} and
   * whose session is neither this one nor in {@code live}: what an earlier process of this host
   * left behind. Walks the whole tree: run once, when a registrar starts.
   */
  public List<String> foreignRegistrations(String namePrefix, Set<Long> live) throws Exception {
    long session = sessionId();
    List<String> found = new ArrayList<>();
    for (String env : children("/env")) {
      for (String app : children("/env/" + env + "/sd")) {
        String parent = "/env/" + env + "/sd/" + app + "/sd";
        for (String child : children(parent)) {
          if (child.startsWith(namePrefix)) {
            Stat stat = client.checkExists().forPath(parent + "/" + child);
            long owner = stat == null ? 0 : stat.getEphemeralOwner();
            if (owner != 0 && owner != session && !live.contains(owner)) {
              found.add(parent + "/" + child);
            }
          }
        }
      }
    }
    return found;
  }

  private List<String> children(String path) throws Exception {
    try {
      return client.getChildren().forPath(path);
    } catch (KeeperException.NoNodeException e) {
      return List.of();
    }
  }
}
