package dev.pharos.harness.bench;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The Nerve registrations of one env as a Synapse-style reader sees them, through one
 * {@link CuratorCache} on {@code /env/<env>/sd}: which session holds each instance's znodes now,
 * and when each znode was seen created ({@link System#nanoTime()}) and by which session.
 */
final class RegistrationView implements AutoCloseable {

  /** One znode seen created: when, and its ephemeral owner (the session of the registrar's process). */
  record Created(long nanos, long owner, long ctimeMs) {
  }

  private final String root;
  private final CuratorCache cache;
  private final Map<String, List<Created>> created = new ConcurrentHashMap<>();
  private final java.util.concurrent.atomic.AtomicLong deleted = new java.util.concurrent.atomic.AtomicLong();
  /** When a znode of each session was last seen deleted: its expiry, for a killed registrar's (all go at once). */
  private final Map<Long, Long> lastDeleted = new ConcurrentHashMap<>();

  RegistrationView(CuratorFramework zk, String env) {
    root = "/env/" + env + "/sd";
    cache = CuratorCache.build(zk, root);
    cache.listenable().addListener(CuratorCacheListener.builder().forCreates(node -> {
      String id = instanceId(node.getPath());
      if (id != null) {
        created.computeIfAbsent(id, k -> new CopyOnWriteArrayList<>()).add(new Created(System.nanoTime(), owner(node),
          node.getStat() == null ? 0 : node.getStat().getCtime()));
      }
    }).forDeletes(node -> {
      if (instanceId(node.getPath()) != null) {
        deleted.incrementAndGet();
        lastDeleted.put(owner(node), System.nanoTime());
      }
    }).build());
    cache.start();
  }

  /** {@code <root>/<app>/sd/<instance>_0000000001} to its instance id; null for any other znode. */
  private String instanceId(String path) {
    if (!path.startsWith(root + "/")) {
      return null;
    }
    String[] parts = path.substring(root.length() + 1).split("/");
    if (parts.length != 3 || !parts[1].equals("sd")) {
      return null;
    }
    int underscore = parts[2].lastIndexOf('_');
    return underscore < 0 ? null : parts[2].substring(0, underscore);
  }

  private static long owner(ChildData node) {
    return node.getStat() == null ? 0 : node.getStat().getEphemeralOwner();
  }

  /** The owner session of every registration there is now, by instance id. */
  Map<String, List<Long>> owners() {
    Map<String, List<Long>> owners = new HashMap<>();
    cache.stream().forEach(node -> {
      String id = instanceId(node.getPath());
      if (id != null) {
        owners.computeIfAbsent(id, k -> new ArrayList<>()).add(owner(node));
      }
    });
    return owners;
  }

  /** When the instance was first seen registered, or null. */
  Long firstCreated(String instanceId) {
    List<Created> seen = created.get(instanceId);
    return seen == null || seen.isEmpty() ? null : seen.get(0).nanos();
  }

  /** When the instance was first seen registered after {@code since} by a session other than {@code not}, or null. */
  Long createdAfter(String instanceId, long since, long not) {
    for (Created c : created.getOrDefault(instanceId, List.of())) {
      if (c.nanos() > since && c.owner() != not) {
        return c.nanos();
      }
    }
    return null;
  }

  /**
   * When ZooKeeper created (its ctime, wall-clock ms) the instance's first znode seen after
   * {@code since} of a session other than {@code not}, or null: the moment any reader could have
   * it, whatever this reader's own lag.
   */
  Long ctimeAfter(String instanceId, long since, long not) {
    for (Created c : created.getOrDefault(instanceId, List.of())) {
      if (c.nanos() > since && c.owner() != not) {
        return c.ctimeMs();
      }
    }
    return null;
  }

  /** When a znode held by {@code session} was last seen deleted ({@link System#nanoTime()}), or null. */
  Long lastDeleted(long session) {
    return lastDeleted.get(session);
  }

  /** Registration znodes seen created and deleted so far: the churn. */
  String churn() {
    return created.values().stream().mapToInt(List::size).sum() + " znodes created, " + deleted.get() + " deleted";
  }

  @Override
  public void close() {
    cache.close();
  }
}
