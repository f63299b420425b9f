package dev.pharos.zookeeper;

import io.vertx.core.Context;
import io.vertx.core.Future;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.watch.PersistentWatcher;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.curator.x.async.AsyncCuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Snapshot-then-follow for the znodes of one path pattern under a root, read and nothing else:
 * Nerve's definitions ({@code /env/*}{@code /sd/*}) or its registrations
 * ({@code /env/*}{@code /sd/*}{@code /sd/*}). One persistent recursive watch on the root
 * (Curator's {@link PersistentWatcher}, set again after every reconnection and new session)
 * hears every change below it; an event whose path fits the pattern is read (or reported
 * deleted), any other is dropped by its path: no read, nothing kept. Events are not replayed
 * across a lost connection, so whenever the watch is set anew the pattern is walked again (one
 * listing per {@code *} above the last, one read per znode found) and what went meanwhile is
 * reported deleted.
 *
 * <p>Where Curator's CuratorCache reads every znode under the root (data and children, twice
 * the requests, for definitions as for the empty {@code sd} parents), this reads what the
 * pattern names. Costs: an event that does not fit, one path test; a change, one read; a
 * (re)start, the walk. Calls its listener on the given context.
 */
public final class ZnodeFollower implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ZnodeFollower.class);

  /** Called on the context. */
  public interface Listener {
    /** A followed znode was read, at {@code version} (its mzxid). */
    void changed(String path, long version, byte[] data);

    void deleted(String path);

    /** A walk of every followed znode completed; each one found was reported before. */
    void loaded();
  }

  /** A pattern segment that stands for any child. */
  public static final String ANY = "*";

  /**
   * How many of a walk's requests wait for ZooKeeper at once: a walk of 100,000 registrations
   * would otherwise put every read in the client's queue together, and the replies in memory.
   */
  public static final int WALK_IN_FLIGHT = 500;

  private final AsyncCuratorFramework async;
  private final Context context;
  private final String root;
  private final List<String> pattern;
  private final Listener listener;
  private final PersistentWatcher watcher;
  /** Followed paths as last seen, to tell at the end of a walk which went while unwatched. */
  private final Set<String> known = new HashSet<>();
  /** Paths an event touched while the current walk ran: the walk's view of them may be older. */
  private Set<String> touchedDuringWalk;
  private long walks;
  private long reads;
  private volatile boolean closed;
  /**
   * Connection losses so far, counted on Curator's connection thread before the watch is set
   * again: Curator sets the watch at its start and again at every CONNECTED, so a follower started
   * while the client's first CONNECTED is on its way is set twice with nothing missed between.
   */
  private final AtomicLong disconnections = new AtomicLong();
  private final ConnectionStateListener connection;
  /** The {@link #disconnections} count the last walk began at: a reset at the same count missed nothing. */
  private long walkedAt = -1;
  /** The walk's listings and reads. */
  private final BoundedRequests walkRequests;

  /**
   * @param root    the tree's root, {@code /env}
   * @param pattern the followed znodes' path below the root, one segment each: {@link #ANY} for
   *                any (non-empty) name, else that name; {@code ["*", "sd", "*"]} for Nerve's
   *                definitions
   */
  public ZnodeFollower(CuratorFramework client, Context context, String root, List<String> pattern, Listener listener) {
    this(client, context, root, pattern, listener, WALK_IN_FLIGHT);
  }

  /** @param walkInFlight how many of a walk's requests may wait for ZooKeeper at once */
  ZnodeFollower(CuratorFramework client, Context context, String root, List<String> pattern, Listener listener,
                int walkInFlight) {
    this.walkRequests = new BoundedRequests(context, walkInFlight);
    if (pattern.isEmpty() || !ANY.equals(pattern.get(pattern.size() - 1))) {
      throw new IllegalArgumentException("a pattern ends with " + ANY + ": " + pattern);
    }
    this.async = AsyncCuratorFramework.wrap(client);
    this.context = context;
    this.root = root;
    this.pattern = List.copyOf(pattern);
    this.listener = listener;
    this.watcher = new PersistentWatcher(client, root, true);
    watcher.getListenable().addListener(this::event);
    this.connection = (c, state) -> {
      if (!state.isConnected()) {
        disconnections.incrementAndGet();
      }
    };
    watcher.getResetListenable().addListener(() -> {
      long at = disconnections.get();
      context.runOnContext(v -> reset(at));
    });
  }

  public void start() {
    async.unwrap().getConnectionStateListenable().addListener(connection);
    watcher.start();
  }

  /** The watch is set (again): a walk, unless one began since the last connection loss. */
  private void reset(long at) {
    if (at == walkedAt) {
      return;
    }
    walkedAt = at;
    walk();
  }

  /** ZooKeeper reads made so far (listings and znode reads): what a change costs. */
  public long reads() {
    return reads;
  }

  /** True when {@code path} is one the pattern names. */
  public boolean follows(String path) {
    if (path == null || !path.startsWith(root) || path.length() <= root.length() || path.charAt(root.length()) != '/') {
      return false;
    }
    String[] parts = path.substring(root.length() + 1).split("/", -1);
    if (parts.length != pattern.size()) {
      return false;
    }
    for (int i = 0; i < parts.length; i++) {
      if (parts[i].isEmpty() || !(ANY.equals(pattern.get(i)) || pattern.get(i).equals(parts[i]))) {
        return false;
      }
    }
    return true;
  }

  /** On ZooKeeper's event thread: only followed znodes go any further. */
  private void event(WatchedEvent event) {
    String path = event.getPath();
    if (!follows(path)) {
      return;
    }
    Watcher.Event.EventType type = event.getType();
    context.runOnContext(v -> {
      if (closed) {
        return;
      }
      if (touchedDuringWalk != null) {
        touchedDuringWalk.add(path);
      }
      switch (type) {
        case NodeCreated, NodeDataChanged -> read(path);
        case NodeDeleted -> {
          known.remove(path);
          listener.deleted(path);
        }
        default -> { } // children changes are not sent for a recursive watch
      }
    });
  }

  private Future<Void> read(String path) {
    reads++;
    Stat stat = new Stat();
    return CuratorFutures.on(async.getData().storingStatIn(stat).forPath(path), context).map(data -> {
      if (!closed) {
        known.add(path);
        listener.changed(path, stat.getMzxid(), data);
      }
      return (Void) null;
    }).recover(err -> err instanceof KeeperException.NoNodeException
      ? Future.succeededFuture() : Future.failedFuture(err)); // deleted meanwhile: its event says so
  }

  /** Every followed znode, read again; those not found and untouched meanwhile went while unwatched. */
  private void walk() {
    if (closed) {
      return;
    }
    long walk = ++walks;
    walkRequests.dropWaiting(); // an earlier walk's requests not yet sent: that walk is given up
    long began = System.nanoTime();
    long readsBefore = reads;
    Set<String> touched = new HashSet<>();
    touchedDuringWalk = touched;
    Set<String> found = new HashSet<>();
    descend(root, 0, found).onComplete(done -> {
      if (closed || walk != walks) {
        return; // a newer walk took over
      }
      touchedDuringWalk = null;
      if (done.failed()) {
        return; // the connection went again: its return starts another walk
      }
      for (String path : List.copyOf(known)) {
        if (!found.contains(path) && !touched.contains(path)) {
          known.remove(path);
          listener.deleted(path);
        }
      }
      LOG.info("{}/{}: {} znodes walked in {} ms ({} ZooKeeper reads)", root, String.join("/", pattern), found.size(),
        (System.nanoTime() - began) / 1_000_000, reads - readsBefore);
      listener.loaded();
    });
  }

  /** The pattern from segment {@code depth} on, below {@code parent}: named segments are appended, {@code *} listed. */
  private Future<Void> descend(String parent, int depth, Set<String> found) {
    int next = depth;
    StringBuilder path = new StringBuilder(parent);
    while (next < pattern.size() && !ANY.equals(pattern.get(next))) {
      path.append('/').append(pattern.get(next++));
    }
    boolean last = next == pattern.size() - 1;
    int below = next + 1;
    return walkRequests.send(() -> children(path.toString())).compose(names -> {
      List<Future<Void>> each = new ArrayList<>(names.size());
      for (String name : names) {
        String child = path + "/" + name;
        if (last) {
          found.add(child);
          each.add(walkRequests.send(() -> read(child)));
        } else {
          each.add(descend(child, below, found));
        }
      }
      return Future.all(each).mapEmpty();
    });
  }

  /** The most of a walk's requests that were in flight at once. */
  int mostInFlight() {
    return walkRequests.mostInFlight();
  }

  private Future<List<String>> children(String path) {
    reads++;
    return CuratorFutures.childrenOrNone(async, path, context);
  }

  @Override
  public void close() {
    closed = true;
    async.unwrap().getConnectionStateListenable().removeListener(connection);
    watcher.close();
  }
}
