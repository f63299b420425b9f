package dev.pharos.harness;

import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;

import java.time.LocalTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Synapse-style reader of one service's registrations: it lists the children of
 * {@code /env/{env}/sd/{app}/sd} with a watch and lists them again on every change, as
 * Synapse's ZooKeeper watcher does. It records each listing: the most registrations seen at
 * once, the most znodes of one instance seen at once, whether the list fell to empty once
 * something was registered, and every deregistration: an instance that had a znode in one
 * listing and none in the next (a replacement in one transaction shows old and new in no
 * listing together and never neither, so it is not one).
 *
 * <p>Like Synapse, it sees listings, not every change: a gap shorter than one re-listing can
 * go unseen. ZooKeeper 3.8's watch events carry no zxid to tell a transaction's delete and
 * create apart from two separate writes.
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
  /** Guarded by this. */
  private Map<String, List<String>> previous = Map.of();
  private int mostOfOneInstance;
  private String duplicateSeen;
  private final List<String> deregistrations = new ArrayList<>();
  /** Instances whose znode was seen replaced by another (a new name in place of the old). */
  private int replacements;

  RegistrationWatcher(CuratorFramework zk, String env, String app) throws Exception {
    this.zk = zk;
    this.parent = "/env/" + env + "/sd/" + app + "/sd";
    list();
  }

  /** Synchronized: the first listing and the first event's may overlap. */
  private synchronized void list() throws Exception {
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
    Map<String, List<String>> byInstance = new HashMap<>();
    for (String child : children) {
      byInstance.computeIfAbsent(instanceOf(child), k -> new ArrayList<>()).add(child);
    }
    String at = LocalTime.now().toString();
    for (Map.Entry<String, List<String>> e : byInstance.entrySet()) {
      if (e.getValue().size() > mostOfOneInstance) {
        mostOfOneInstance = e.getValue().size();
        duplicateSeen = at + " " + e.getValue();
      }
    }
    for (Map.Entry<String, List<String>> e : previous.entrySet()) {
      List<String> now = byInstance.get(e.getKey());
      if (now != null && !now.equals(e.getValue())) {
        replacements++;
      }
      if (!byInstance.containsKey(e.getKey())) {
        deregistrations.add(at + " " + e.getKey() + " (" + e.getValue() + " gone, none in its place)");
      }
    }
    previous = byInstance;
  }

  /** {@code <instanceId>_NNNNNNNNNN}: the instance id. */
  static String instanceOf(String child) {
    int underscore = child.lastIndexOf('_');
    return underscore < 0 ? child : child.substring(0, underscore);
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

  /** The most znodes one instance had in a single listing. */
  synchronized int mostOfOneInstance() {
    return mostOfOneInstance;
  }

  /** When and which znodes made {@link #mostOfOneInstance()}. */
  synchronized String mostOfOneInstanceSeen() {
    return duplicateSeen;
  }

  /** Every deregistration seen, oldest first: when, which instance, which znodes went. */
  synchronized List<String> deregistrations() {
    return List.copyOf(deregistrations);
  }

  /** How many times a listing showed an instance's znode replaced by another since the reader began. */
  synchronized int replacements() {
    return replacements;
  }

  /** The instances in the latest listing. */
  synchronized Set<String> instances() {
    return Set.copyOf(previous.keySet());
  }

  @Override
  public void close() {
    closed = true;
  }
}
