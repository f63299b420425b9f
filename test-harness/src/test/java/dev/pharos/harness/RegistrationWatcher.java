package dev.pharos.harness;

import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Synapse-style reader of one service's registrations: it lists the children of
 * {@code /env/{env}/sd/{app}/sd} with a watch and lists them again on every change, as
 * Synapse's ZooKeeper watcher does. It records each listing: the most registrations seen at
 * once, and whether the list fell to empty once something was registered.
 */
final class RegistrationWatcher implements AutoCloseable, Watcher {

  private final CuratorFramework zk;
  private final String parent;
  private final AtomicInteger most = new AtomicInteger();
  private final AtomicInteger listings = new AtomicInteger();
  private final AtomicInteger mostPerInstance = new AtomicInteger();
  private volatile boolean seenOne;
  private volatile boolean fellToZero;
  private volatile boolean closed;

  RegistrationWatcher(CuratorFramework zk, String env, String app) throws Exception {
    this.zk = zk;
    this.parent = "/env/" + env + "/sd/" + app + "/sd";
    list();
  }

  private void list() throws Exception {
    if (closed) {
      return;
    }
    List<String> children;
    try {
      children = zk.getChildren().usingWatcher(this).forPath(parent);
    } catch (KeeperException.NoNodeException e) {
      zk.checkExists().usingWatcher(this).forPath(parent);
      children = List.of();
    }
    listings.incrementAndGet();
    most.accumulateAndGet(children.size(), Math::max);
    java.util.Map<String, Integer> perInstance = new java.util.HashMap<>();
    children.forEach(c -> perInstance.merge(c.substring(0, Math.max(0, c.lastIndexOf('_'))), 1, Integer::sum));
    perInstance.values().forEach(n -> mostPerInstance.accumulateAndGet(n, Math::max));
    if (!children.isEmpty()) {
      seenOne = true;
    } else if (seenOne) {
      fellToZero = true;
    }
  }

  @Override
  public void process(WatchedEvent event) {
    try {
      list();
    } catch (Exception e) {
      // the test's own client closed: the reader stops
    }
  }

  int most() {
    return most.get();
  }

  /** The most znodes of one instance seen in one listing: 1 when no reader ever saw an instance twice. */
  int mostPerInstance() {
    return mostPerInstance.get();
  }

  int listings() {
    return listings.get();
  }

  boolean fellToZero() {
    return fellToZero;
  }

  @Override
  public void close() {
    closed = true;
  }
}
