package dev.pharos.registrar.impl;

import dev.pharos.metrics.StoreMeters;
import dev.pharos.model.Instance;
import dev.pharos.model.NerveRegistration;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

import java.util.ArrayList;
import java.util.List;

/**
 * Writes Nerve registrations: ephemeral-sequential znodes {@code <instance_id>_NNNNNNNNNN} under
 * {@code /env/{env}/sd/{app}/sd} holding Nerve's JSON. Blocking: call from a worker.
 *
 * <p>It never creates the definition's own node: a registration whose definition is gone is
 * refused, so a late write cannot resurrect a deleted tree as an empty, malformed definition.
 */
public final class NerveZooKeeperReporter {

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
   * Creates the registration: one round trip. Ghosts of the same instance left by an earlier
   * session are not looked for here but by {@link #foreignRegistrations}, which the registrar
   * runs as soon as its session connects.
   *
   * @return the created path, or null when the definition node does not exist
   */
  public String register(Instance instance) throws Exception {
    String parent = instance.registrationsPath();
    String prefix = NerveRegistration.nodePrefix(instance.id());
    byte[] data = instance.data().toBuffer().getBytes();
    try {
      return create(parent + "/" + prefix, data);
    } catch (KeeperException.NoNodeException e) {
      try {
        client.create().withMode(CreateMode.PERSISTENT).forPath(parent);
      } catch (KeeperException.NodeExistsException raced) {
        // another writer made it first: fine
      } catch (KeeperException.NoNodeException definitionGone) {
        return null;
      }
      return create(parent + "/" + prefix, data);
    }
  }

  private String create(String path, byte[] data) throws Exception {
    return meters.time("create", () -> client.create().withMode(CreateMode.EPHEMERAL_SEQUENTIAL).forPath(path, data));
  }

  /** True when {@code path} exists and belongs to this client's current session. */
  public boolean isOwned(String path) throws Exception {
    Stat stat = client.checkExists().forPath(path);
    return stat != null && stat.getEphemeralOwner() == sessionId();
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
   * that this session does not own: what an earlier process on this host left behind.
   */
  public List<String> foreignRegistrations(String namePrefix) throws Exception {
    long session = sessionId();
    List<String> found = new ArrayList<>();
    for (String env : children("/env")) {
      for (String app : children("/env/" + env + "/sd")) {
        String parent = "/env/" + env + "/sd/" + app + "/sd";
        for (String child : children(parent)) {
          if (child.startsWith(namePrefix)) {
            Stat stat = client.checkExists().forPath(parent + "/" + child);
            if (stat != null && stat.getEphemeralOwner() != 0 && stat.getEphemeralOwner() != session) {
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
