package dev.pharos.definitions.impl;

import io.vertx.core.Context;
import dev.pharos.zookeeper.CuratorFutures;
import io.vertx.core.Future;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.watch.PersistentWatcher;
import org.apache.curator.x.async.AsyncCuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.data.Stat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The definitions in ZooKeeper ({@code /env/{env}/sd/{app}}), followed without reading anything
 * below them. One persistent recursive watch on the root (Curator's {@link PersistentWatcher},
 * set again after every reconnection and new session) hears every change; a definition that
 * changed is read, and the registrations below the definitions (thousands, churning with every
 * deploy, and one event each) are dropped by their path: no read, nothing kept. Events are not
 * replayed across a lost connection, so whenever the watch is set anew the definitions (never
 * their registrations) are walked again and what went meanwhile is reported deleted.
 *
 * <p>Costs: a registration's event, one path test; a definition's change, one read; a (re)start,
 * one listing per env and one read per definition. Calls its listener on the given context.
 */
public final class ZooKeeperDefinitions implements AutoCloseable {

  /** Called on the context. */
  public interface Listener {
    /** A definition was read, at {@code version} (its mzxid). */
    void changed(String path, long version, byte[] data);

    void deleted(String path);

    /** A walk of every definition completed; each one found was reported before. */
    void loaded();
  }

  private final AsyncCuratorFramework async;
  private final Context context;
  private final String root;
  private final Predicate<String> isDefinition;
  private final Listener listener;
  private final PersistentWatcher watcher;
  /** Definition paths as last seen, to tell at the end of a walk which went while unwatched. */
  private final Set<String> known = new HashSet<>();
  /** Paths an event touched while the current walk ran: the walk's view of them may be older. */
  private Set<String> touchedDuringWalk;
  private long walks;
  private long reads;
  private volatile boolean closed;

  /**
   * @param root         the tree's root, {@code /env}
   * @param isDefinition true for a path at a definition's depth
   */
  public ZooKeeperDefinitions(CuratorFramework client, Context context, String root, Predicate<String> isDefinition,
                              Listener listener) {
    this.async = AsyncCuratorFramework.wrap(client);
    this.context = context;
    this.root = root;
    this.isDefinition = isDefinition;
    this.listener = listener;
    this.watcher = new PersistentWatcher(client, root, true);
    watcher.getListenable().addListener(this::event);
    watcher.getResetListenable().addListener(() -> context.runOnContext(v -> walk()));
  }

  public void start() {
    watcher.start();
  }

  /** ZooKeeper reads made so far (listings and definition reads): what a change costs. */
  public long reads() {
    return reads;
  }

  /** On ZooKeeper's event thread: only definitions go any further. */
  private void event(WatchedEvent event) {
    String path = event.getPath();
    if (path == null || !isDefinition.test(path)) {
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

  /** Every definition, read again; those not found and untouched meanwhile went while unwatched. */
  private void walk() {
    if (closed) {
      return;
    }
    long walk = ++walks;
    Set<String> touched = new HashSet<>();
    touchedDuringWalk = touched;
    Set<String> found = new HashSet<>();
    children(root).compose(envs -> {
      List<Future<Void>> reads = new ArrayList<>();
      for (String env : envs) {
        String services = root + "/" + env + "/sd";
        reads.add(children(services).compose(apps -> {
          List<Future<Void>> each = new ArrayList<>();
          for (String app : apps) {
            String path = services + "/" + app;
            if (isDefinition.test(path)) {
              found.add(path);
              each.add(read(path));
            }
          }
          return Future.all(each).<Void>mapEmpty();
        }));
      }
      return Future.all(reads);
    }).onComplete(done -> {
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
      listener.loaded();
    });
  }

  private Future<List<String>> children(String path) {
    reads++;
    return CuratorFutures.childrenOrNone(async, path, context);
  }

  @Override
  public void close() {
    closed = true;
    watcher.close();
  }
}
