package dev.pharos.registrar.impl;

import dev.pharos.metrics.StoreMeters;
import dev.pharos.model.Instance;
import dev.pharos.model.NerveRegistration;
import dev.pharos.zookeeper.CuratorFutures;
import io.vertx.core.Context;
import io.vertx.core.Future;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.x.async.AsyncCuratorFramework;
import org.apache.curator.x.async.api.DeleteOption;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * Writes Nerve registrations: ephemeral-sequential znodes {@code <instance_id>_NNNNNNNNNN} under
 * {@code /env/{env}/sd/{app}/sd} holding Nerve's JSON. On Curator's async API: no thread is
 * parked on a ZooKeeper round trip; every result completes on the owner's context. Creates go
 * through ZooKeeper's own handle instead, so that a create whose reply was lost is not blindly
 * written again; those that come while others are on their way go together in one multi
 * ({@link CreateBatches}).
 *
 * <p>A registration is created in one transaction with the deletion of every other znode of the
 * same instance (an earlier owner's, a lost reply's retry, an earlier session's), so a reader
 * never sees an instance twice, nor a gap when it moves between registrars. Instances move only
 * when a registrar joins or leaves; in a group quiet for a while, a new instance's create goes
 * without waiting for the listing, which then only confirms that no other znode was there.
 *
 * <p>It never creates the definition's own node: a registration whose definition is gone is
 * refused, so a late write cannot resurrect a deleted tree as an empty, malformed definition.
 */
public final class NerveZooKeeperReporter {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(NerveZooKeeperReporter.class);

  private static final int REPLACE_ATTEMPTS = 3;
  private static final long RECONNECT_WAIT_MS = 30_000;

  private final Context context;
  private final CuratorFramework client;
  private final AsyncCuratorFramework async;
  private final StoreMeters meters;
  /** A service's listings, shared by the registrations that ask while one is on its way. */
  private final ChildListings listings;
  private final HandleWrites writes;
  /** Creates that come while others are on their way go in one multi. */
  private final CreateBatches creates;

  public NerveZooKeeperReporter(Context context, CuratorFramework client, StoreMeters meters) {
    this.context = context;
    this.client = client;
    this.async = AsyncCuratorFramework.wrap(client);
    this.meters = meters;
    this.listings = new ChildListings(parent -> on(async.getChildren().forPath(parent)));
    this.writes = new HandleWrites(context, client);
    this.creates = new CreateBatches(writes::createOne, writes::createAll);
  }

  /** This client's current session (0 while it has none). */
  public long sessionId() {
    try {
      return client.getZookeeperClient().getZooKeeper().getSessionId();
    } catch (Exception e) {
      return 0;
    }
  }

  public boolean connected() {
    return client.getZookeeperClient().isConnected();
  }

  private <T> Future<T> on(CompletionStage<T> stage) {
    return CuratorFutures.on(stage, context);
  }

  /**
   * Creates the registration, replacing any other znode of the instance in the same transaction:
   * one listing of the service's registrations and one write. {@code quiet}: when no other znode
   * of the instance is expected (no registrar joined or left lately), the create is sent at once,
   * right after the listing instead of after its answer, and any other znode the listing finds is
   * deleted once the create is done: the create waits for no read, and a reader sees the instance
   * twice only for that moment in the case not expected (logged).
   *
   * @return the created path, or null when the definition node does not exist
   */
  public Future<String> register(Instance instance, boolean quiet) {
    return register(instance, 1, quiet);
  }

  private Future<String> register(Instance instance, int attempt, boolean quiet) {
    String parent = instance.registrationsPath();
    byte[] data = instance.data().toBuffer().getBytes();
    String path = parent + "/" + NerveRegistration.nodePrefix(instance.id());
    Future<String> written = quiet ? createThenSweep(instance, path, data) : existing(instance)
      .recover(err -> err instanceof KeeperException.NoNodeException
        ? ensureParent(parent).map(made -> made ? List.<String>of() : null) : Future.failedFuture(err))
      .compose(existing -> existing == null ? Future.succeededFuture((String) null) : replace(path, data, existing));
    return written.recover(err -> {
      if ((err instanceof KeeperException.ConnectionLossException || err instanceof KeeperException.SessionExpiredException)
        && attempt < REPLACE_ATTEMPTS) {
        // the write may have been applied with its reply lost: never write blindly again
        return reconnected().compose(v -> adoptLost(instance)).compose(adopted ->
          adopted != null ? Future.succeededFuture(adopted) : register(instance, attempt + 1, false));
      }
      // a listed znode went (its session ended, another registrar took it), or the parent went
      // (or, for a quiet create, was never made: the service's first registration)
      boolean raced = err instanceof KeeperException.NoNodeException || err instanceof KeeperException.NotEmptyException;
      return raced && attempt < REPLACE_ATTEMPTS ? register(instance, attempt + 1, false) : Future.failedFuture(err);
    });
  }

  /**
   * The listing is sent first, so on this one session ZooKeeper answers it as of before the
   * create; a listing shared with an earlier request may come later and show the created znode,
   * or a newer owner's, too: only znodes of a lower sequence than the created one are removed
   * (sequence numbers only grow under a parent). A listing that fails is made once more.
   */
  private Future<String> createThenSweep(Instance instance, String path, byte[] data) {
    Future<List<String>> listed = existing(instance);
    return replace(path, data, List.of()).compose(created -> listed.recover(err -> existing(instance)).transform(found -> {
      if (found.failed()) {
        LOG.warn("{}: created {} but could not list the service for another znode of the instance: {}",
          instance.id(), created, found.cause().getMessage());
        return Future.succeededFuture(created);
      }
      List<String> older = olderThan(found.result(), created);
      if (older.isEmpty()) {
        return Future.succeededFuture(created);
      }
      LOG.info("{}: another znode of the instance was there when {} was created: removing {}", instance.id(), created, older);
      List<Future<Void>> deletes = new ArrayList<>();
      older.forEach(o -> deletes.add(delete(o).onFailure(err ->
        LOG.warn("{}: could not remove {}, a second znode of the instance: {}", instance.id(), o, err.getMessage()))));
      return Future.join(deletes).transform(x -> Future.succeededFuture(created));
    }));
  }

  /** The paths of {@code found} (one instance's znodes) made before {@code created}: of a lower sequence number. */
  static List<String> olderThan(List<String> found, String created) {
    String mine = created.substring(created.length() - 10);
    List<String> older = new ArrayList<>();
    for (String path : found) {
      if (path.substring(path.length() - 10).compareTo(mine) < 0) {
        older.add(path);
      }
    }
    return older;
  }

  /**
   * After a write whose reply was lost: the one znode of the instance, when this session holds
   * it, is that write applied; it is kept rather than written again (Curator's own retry of a
   * create would leave a second one, which a reader would see).
   */
  private Future<String> adoptLost(Instance instance) {
    long session = sessionId();
    return existing(instance).compose(paths -> paths.size() != 1 ? Future.succeededFuture((String) null)
      : stat(paths.get(0)).map(stat -> stat != null && stat.getEphemeralOwner() == session ? paths.get(0) : null))
      .otherwise((String) null);
  }

  /** Completes once the client is connected again, or fails after {@link #RECONNECT_WAIT_MS}. */
  private Future<Void> reconnected() {
    io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
    long deadline = System.currentTimeMillis() + RECONNECT_WAIT_MS;
    context.runOnContext(v -> waitConnected(deadline, done));
    return done.future();
  }

  private void waitConnected(long deadline, io.vertx.core.Promise<Void> done) {
    if (connected()) {
      done.complete();
    } else if (System.currentTimeMillis() > deadline) {
      done.fail(new KeeperException.ConnectionLossException());
    } else {
      context.owner().setTimer(100, t -> waitConnected(deadline, done));
    }
  }

  /** True when the parent exists now; false when the definition itself is gone. */
  private Future<Boolean> ensureParent(String parent) {
    return on(async.create().withMode(CreateMode.PERSISTENT).forPath(parent)).map(p -> true).recover(err -> {
      if (err instanceof KeeperException.NodeExistsException) {
        return Future.succeededFuture(true); // another writer made it first
      }
      return err instanceof KeeperException.NoNodeException ? Future.succeededFuture(false) : Future.failedFuture(err);
    });
  }

  /**
   * One create, or one transaction deleting {@code existing} and creating, on ZooKeeper's own
   * handle: unlike Curator's, it is not retried after a lost reply (see {@link #adoptLost}).
   */
  private Future<String> replace(String path, byte[] data, List<String> existing) {
    return existing.isEmpty() ? meters.timeAsync("create", () -> creates.create(path, data))
      : meters.timeAsync("replace", () -> writes.replace(path, data, existing));
  }

  /** The names under {@code parent}; none when it does not exist. */
  public Future<List<String>> children(String parent) {
    return CuratorFutures.childrenOrNone(async, parent, context);
  }

  /**
   * Every znode of {@code instance} under its service, whoever holds it, as listed after this
   * call (the listing may be shared with other instances of the service); fails with NoNode
   * without the service.
   */
  public Future<List<String>> existing(Instance instance) {
    String parent = instance.registrationsPath();
    String prefix = NerveRegistration.nodePrefix(instance.id());
    return listings.of(parent).map(children -> {
      List<String> found = new ArrayList<>();
      for (String child : children) {
        if (child.startsWith(prefix) && child.length() == prefix.length() + 10) {
          found.add(parent + "/" + child);
        }
      }
      return found;
    });
  }

  /** Removes every znode of {@code instance}, whoever holds it (an owner that let go before a move). */
  public Future<Void> deleteAll(Instance instance) {
    return existing(instance).compose(paths -> {
      List<Future<Void>> deletes = new ArrayList<>();
      paths.forEach(p -> deletes.add(delete(p)));
      return Future.all(deletes).<Void>mapEmpty();
    }).recover(err -> err instanceof KeeperException.NoNodeException
      ? Future.succeededFuture() : Future.failedFuture(err)); // the service's tree is gone, and its registrations
  }

  /**
   * Calls {@code onDeleted} on the owner's context when {@code path} is deleted while this
   * session lives (by hand, or by another registrar's replace), so a held registration is
   * re-created when it goes, without statting every one on each reconcile. A data change
   * re-arms the watch; a new session's refresh replaces the watches an expired one lost.
   */
  public void watchDeletion(String path, Runnable onDeleted) {
    org.apache.curator.framework.api.CuratorWatcher watcher = new org.apache.curator.framework.api.CuratorWatcher() {
      @Override
      public void process(org.apache.zookeeper.WatchedEvent event) {
        switch (event.getType()) {
          case NodeDeleted -> context.runOnContext(v -> onDeleted.run());
          case NodeDataChanged, NodeCreated -> context.runOnContext(v -> arm(path, this, onDeleted));
          default -> { } // connection events: the client re-sets its watches on the same session
        }
      }
    };
    arm(path, watcher, onDeleted);
  }

  private void arm(String path, org.apache.curator.framework.api.CuratorWatcher watcher, Runnable onDeleted) {
    try {
      client.checkExists().usingWatcher(watcher).inBackground((c, event) -> {
        if (event.getResultCode() == KeeperException.Code.NONODE.intValue()) {
          context.runOnContext(v -> onDeleted.run()); // gone before the watch was set
        }
      }).forPath(path);
    } catch (Exception e) {
      // not connected: the next refresh after the connection's return checks every registration
    }
  }

  /** The znode's stat, or null when it does not exist. */
  public Future<Stat> stat(String path) {
    return on(async.checkExists().forPath(path));
  }

  public Future<Void> update(String path, Instance instance) {
    return meters.timeAsync("update", () -> on(async.setData().forPath(path, instance.data().toBuffer().getBytes()))).mapEmpty();
  }

  /** Deletes {@code path}; already gone (by hand, or with its session) is success. */
  public Future<Void> delete(String path) {
    return meters.timeAsync("delete", () -> on(async.delete().withOptions(Set.of(DeleteOption.quietly)).forPath(path)));
  }

  /**
   * Znodes under {@code parent} of the instances in {@code held} (instance id to the path held
   * for it) other than the held path: what a create retried by Curator after a lost reply left.
   */
  public Future<List<String>> strays(String parent, Map<String, String> held) {
    long session = sessionId();
    return children(parent).compose(children -> {
      List<String> candidates = new ArrayList<>();
      for (String child : children) {
        int sep = child.lastIndexOf('_');
        String heldPath = sep > 0 ? held.get(child.substring(0, sep)) : null;
        if (heldPath != null && !heldPath.equals(parent + "/" + child)) {
          candidates.add(parent + "/" + child);
        }
      }
      // only this session's own: another's may be a new owner's, made while this one was away
      List<Future<Stat>> stats = new ArrayList<>();
      candidates.forEach(c -> stats.add(stat(c)));
      return Future.join(stats).transform(x -> {
        List<String> found = new ArrayList<>();
        for (int i = 0; i < candidates.size(); i++) {
          Stat st = stats.get(i).succeeded() ? stats.get(i).result() : null;
          if (st != null && st.getEphemeralOwner() == session) {
            found.add(candidates.get(i));
          }
        }
        return Future.succeededFuture(found);
      });
    });
  }

  /**
   * Registrations under {@code /env/*}/sd/*}/sd} whose names start with {@code namePrefix} and
   * whose session is neither this one nor in {@code live}: what an earlier process of this host
   * left behind. Blocking, and walks the whole tree: run once, on a worker, when a registrar starts.
   */
  public List<String> foreignRegistrations(String namePrefix, Set<Long> live) throws Exception {
    long session = sessionId();
    List<String> found = new ArrayList<>();
    for (String env : childrenBlocking("/env")) {
      for (String app : childrenBlocking("/env/" + env + "/sd")) {
        String parent = "/env/" + env + "/sd/" + app + "/sd";
        for (String child : childrenBlocking(parent)) {
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

  private List<String> childrenBlocking(String path) throws Exception {
    try {
      return client.getChildren().forPath(path);
    } catch (KeeperException.NoNodeException e) {
      return List.of();
    }
  }
}
