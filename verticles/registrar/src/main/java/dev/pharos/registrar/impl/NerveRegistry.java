package dev.pharos.registrar.impl;

import dev.pharos.model.Instance;
import dev.pharos.registrar.RegistryAdapter;
import dev.pharos.stage.StageStatus;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Nerve registrations in ZooKeeper ({@link NerveZooKeeperReporter}) for the instances this
 * registrar owns. Each instance's writes form a chain of their own, so one instance's facts
 * apply in order while different instances' writes run at once. Used on its context only.
 */
public final class NerveRegistry implements RegistryAdapter {

  private static final Logger LOG = LoggerFactory.getLogger(NerveRegistry.class);

  /** Told of each registration made or removed: (type, instance, path). */
  public interface Changes {
    void changed(String type, Instance instance, String path);
  }

  /** What the registry needs to know of the registrars' group. */
  public interface Group {
    /** True while the group view is current: ownership can be decided by it. */
    boolean ready();

    /** True for a while after a registrar joined: creates then check for a concurrent one. */
    boolean unsettled();

    /** Since the group last changed (a registrar joined or left, or came back on a new session). */
    long sinceChangeMs();

    /** Whether this registrar has caught up, in full, with the instances the current group gives it. */
    boolean caughtUp();
  }

  /**
   * Instances move between registrars only when the group changes: its new owner takes each over
   * in its catch-up, replacing the old owner's znode in one transaction. So once the group has
   * not changed for this long (and twice the handover bound), and the catch-up is complete, no
   * other znode is expected of an instance whose live "up" fact arrives: its create goes at once
   * rather than after a listing (see {@link NerveZooKeeperReporter#register}). Every other
   * registration (a catch-up's, a reconcile's, a re-creation) lists first.
   */
  static final long QUIET_MS = RegistrarGroup.UNSETTLED_MS;

  private static final class Held {
    final Instance instance;
    String path;
    long since;
    /** The session whose deletion watch guards {@link #path}: a refresh on it need not read it. */
    long watchedOn;

    Held(Instance instance, String path, long since) {
      this.instance = instance;
      this.path = path;
      this.since = since;
    }
  }

  private final Vertx vertx;
  private final NerveZooKeeperReporter reporter;
  private final Predicate<Instance> owns;
  private final Changes changes;
  private final StageStatus status;
  private final long handoverMs;
  private final Group group;
  private final java.util.Set<String> lostToAnother = new java.util.HashSet<>();
  private final Map<String, Held> held = new HashMap<>();
  private final Map<String, Future<Void>> chains = new HashMap<>();
  /** Instances whose latest request was a registration still queued or on its way: see {@link #wanted}. */
  private final java.util.Set<String> registerAsked = new java.util.HashSet<>();
  private boolean connectionTrouble;
  /** When the connection last had trouble (a create's reply may have been lost): not quiet for a while after. */
  private long troubleAt;

  public NerveRegistry(Vertx vertx, NerveZooKeeperReporter reporter, Predicate<Instance> owns, Changes changes,
                       StageStatus status, long handoverMs, Group group) {
    this.group = group;
    this.vertx = vertx;
    this.reporter = reporter;
    this.owns = owns;
    this.changes = changes;
    this.status = status;
    this.handoverMs = handoverMs;
  }

  @Override
  public String store() {
    return "zookeeper";
  }

  /** Runs {@code step} after the instance's earlier steps; a failure is reported and ends only that step. */
  private void chain(String id, java.util.function.Supplier<Future<Void>> step) {
    Future<Void> next = chains.getOrDefault(id, Future.succeededFuture()).transform(x -> step.get())
      .recover(err -> Future.succeededFuture());
    chains.put(id, next);
    next.onComplete(x -> {
      if (chains.remove(id, next)) {
        registerAsked.remove(id); // nothing queued: what is held says it all
      }
    });
  }

  @Override
  public void register(Instance instance) {
    register(instance, false);
  }

  @Override
  public void registerFresh(Instance instance) {
    register(instance, true);
  }

  private void register(Instance instance, boolean fresh) {
    registerAsked.add(instance.id());
    chain(instance.id(), () -> write(instance, fresh));
  }

  private Future<Void> write(Instance instance, boolean fresh) {
    Held current = held.get(instance.id());
    String path = current == null ? null : current.path;
    if (path != null && current.instance.equals(instance)) {
      return Future.succeededFuture();
    }
    if (path != null && current.instance.registrationsPath().equals(instance.registrationsPath())) {
      return reporter.update(path, instance).onSuccess(v -> {
        Held updated = new Held(instance, path, current.since);
        updated.watchedOn = current.watchedOn; // the same znode, under the same watch
        held.put(instance.id(), updated);
        changes.changed("registered", instance, path);
      }).onFailure(err -> failed(instance, err));
    }
    Held next = new Held(instance, null, 0);
    held.put(instance.id(), next);
    Future<Void> before = path == null ? Future.succeededFuture() : reporter.delete(path);
    return before.compose(v -> create(next, fresh && quiet()));
  }

  /** The group has not changed lately and is caught up with, and the connection has had no trouble lately. */
  public boolean quiet() {
    return !connectionTrouble && System.currentTimeMillis() - troubleAt > quietAfterMs() && !group.unsettled()
      && group.sinceChangeMs() > quietAfterMs() && group.caughtUp();
  }

  /** How long after a group change, or connection trouble, every create waits for a listing first. */
  public long quietAfterMs() {
    return Math.max(QUIET_MS, 2 * handoverMs);
  }

  /**
   * Creates the znode of {@code h} (replacing any other of its instance), or records why it
   * cannot. {@code quiet}: no other znode of the instance is expected, so the create is not
   * held back for a listing (one is still made, and what it finds removed).
   */
  private Future<Void> create(Held h, boolean quiet) {
    if (!group.ready()) {
      return Future.succeededFuture(); // kept unwritten: the group's next change refreshes it
    }
    if (!owns.test(h.instance)) {
      held.remove(h.instance.id(), h);
      status.clear("registration " + h.instance.id());
      return Future.succeededFuture();
    }
    String subject = "registration " + h.instance.id();
    return reporter.register(h.instance, quiet).compose(path -> path == null || !group.unsettled()
      ? Future.succeededFuture(path) : keepOneOf(h.instance, path)).onSuccess(path -> {
      if (path == null) {
        if (!lostToAnother.contains(h.instance.id())) {
          status.problem(subject, "definition " + h.instance.registrationsPath().replaceFirst("/sd$", "") + " is gone");
        }
        lostToAnother.remove(h.instance.id());
        return;
      }
      status.clear(subject);
      if (held.get(h.instance.id()) != h) {
        reporter.delete(path); // deregistered or released while the create was on its way
        return;
      }
      h.path = path;
      h.since = System.currentTimeMillis();
      changes.changed("registered", h.instance, path);
      h.watchedOn = reporter.sessionId();
      reporter.watchDeletion(path, () -> lost(h.instance.id(), path));
    }).onFailure(err -> failed(h.instance, err)).mapEmpty();
  }

  /**
   * While the registrars' group is settling, two of them may each think they own an instance and
   * both create it. Both then see both znodes; the one of the highest sequence stays, the other's
   * maker deletes its own and lets go (a reader may see the two for that moment only).
   */
  private Future<String> keepOneOf(Instance instance, String mine) {
    return reporter.existing(instance).compose(all -> {
      String highest = all.stream().max(java.util.Comparator.comparing((String p) -> p.substring(p.lastIndexOf('_') + 1)))
        .orElse(mine);
      if (all.size() <= 1 || highest.equals(mine)) {
        return Future.succeededFuture(mine);
      }
      LOG.info("{}: another registrar registered it at the same moment ({}); letting go of {}", instance.id(), highest, mine);
      held.remove(instance.id());
      lostToAnother.add(instance.id());
      return reporter.delete(mine).map((String) null);
    }).recover(err -> Future.succeededFuture(mine));
  }

  /** {@code path}, held for instance {@code id}, was deleted by someone else: made again. */
  private void lost(String id, String path) {
    chain(id, () -> {
      Held h = held.get(id); // an update in place holds the same path in a new Held
      if (h == null || !path.equals(h.path)) {
        return Future.succeededFuture(); // deregistered, replaced or moved meanwhile: not lost
      }
      LOG.info("registration {} at {} was deleted; re-creating it", id, path);
      changes.changed("deregistered", h.instance, path);
      h.path = null;
      return create(h, false);
    });
  }

  private void failed(Instance instance, Throwable err) {
    status.problem("registration " + instance.id(), "ZooKeeper write failed, will retry on refresh: " + err.getMessage());
  }

  @Override
  public void deregister(Instance instance, boolean sweep) {
    registerAsked.remove(instance.id());
    chain(instance.id(), () -> {
      Held gone = held.remove(instance.id());
      status.clear("registration " + instance.id());
      Future<Void> removed = gone == null || gone.path == null ? Future.succeededFuture()
        : reporter.delete(gone.path).onSuccess(v -> changes.changed("deregistered", gone.instance, gone.path))
          .onFailure(err -> LOG.warn("deregistering {} failed: {}", instance.id(), err.getMessage()));
      // a registrar that still thought it owned the instance may have replaced this one's znode
      return sweep ? removed.transform(x -> reporter.deleteAll(instance)) : removed;
    });
  }

  @Override
  public void release(String instanceId) {
    registerAsked.remove(instanceId);
    chain(instanceId, () -> {
      held.remove(instanceId);
      status.clear("registration " + instanceId);
      return Future.succeededFuture();
    });
  }

  /** The connection was suspended or lost: a create's reply may have been lost with it. */
  public void connectionTrouble() {
    connectionTrouble = true;
    troubleAt = System.currentTimeMillis();
  }

  /**
   * Re-creates what this session should hold but does not. A registration deleted while the
   * session lives is re-created by its deletion watch; so this checks every registration (one
   * stat each) only on a new session, whose ephemeral znodes and watches are gone, and otherwise
   * retries only the writes that failed. After connection trouble, it also removes second znodes
   * of held instances, which Curator's retry of a create whose reply was lost leaves behind
   * (Nerve's names cannot carry Curator's protection prefix): one listing per service held.
   */
  @Override
  public void refresh() {
    if (!reporter.connected() || !group.ready()) {
      return; // after a new session the group is read again first; its change calls this again
    }
    if (connectionTrouble) {
      connectionTrouble = false;
      sweepStrays();
    }
    long session = reporter.sessionId();
    for (Held h : List.copyOf(held.values())) {
      if (h.path != null && h.watchedOn == session) {
        continue; // made on this session, and watched
      }
      String id = h.instance.id();
      chain(id, () -> {
        if (held.get(id) != h) {
          return Future.succeededFuture();
        }
        Future<Boolean> owned = h.path == null ? Future.succeededFuture(false)
          : reporter.stat(h.path).map(stat -> stat != null && stat.getEphemeralOwner() == session);
        return owned.compose(yes -> {
          if (held.get(id) != h) {
            return Future.succeededFuture();
          }
          if (yes) {
            String path = h.path;
            reporter.watchDeletion(path, () -> lost(h.instance.id(), path)); // the old session's watch went with it
            return Future.succeededFuture();
          }
          if (h.path != null) {
            LOG.info("registration {} at {} was lost; re-creating it", id, h.path);
            changes.changed("deregistered", h.instance, h.path);
            h.path = null;
          }
          return create(h, false);
        });
      });
    }
  }

  private void sweepStrays() {
    Map<String, Map<String, String>> byParent = new HashMap<>();
    held.values().forEach(h -> {
      if (h.path != null) {
        byParent.computeIfAbsent(h.instance.registrationsPath(), k -> new HashMap<>()).put(h.instance.id(), h.path);
      }
    });
    byParent.forEach((parent, paths) -> reporter.strays(parent, paths).onSuccess(strays -> strays.forEach(stray -> {
      LOG.info("removing {}, a second registration left by a create retried after a lost reply", stray);
      reporter.delete(stray);
    })));
  }

  @Override
  public Collection<Instance> services() {
    List<Instance> list = new ArrayList<>();
    held.values().forEach(h -> {
      if (h.path != null) {
        list.add(h.instance);
      }
    });
    return list;
  }

  public Instance instance(String instanceId) {
    Held h = held.get(instanceId);
    return h == null ? null : h.instance;
  }

  /**
   * Whether the instance is held, or the latest request about it was a registration still
   * queued: an instance that flapped has its registration queued behind its own deregistration,
   * and is held by neither for that moment, though its "up" did arrive.
   */
  public boolean wanted(String instanceId) {
    return held.containsKey(instanceId) || registerAsked.contains(instanceId);
  }

  /** {"instance","path","since"} of each registration in ZooKeeper that {@code filter} passes, for the registrations snapshot. */
  public JsonArray toJson(java.util.function.Predicate<Instance> filter) {
    JsonArray list = new JsonArray();
    held.values().forEach(h -> {
      if (h.path != null && filter.test(h.instance)) {
        list.add(new JsonObject().put("instance", h.instance.toJson()).put("path", h.path).put("since", h.since));
      }
    });
    return list;
  }

  /**
   * {@code {app:{env:{"registered":n,"since":latest}}}} of the registrations in ZooKeeper that
   * {@code filter} passes: what the list of services needs, without each registration.
   */
  public JsonObject summary(java.util.function.Predicate<Instance> filter) {
    JsonObject byApp = new JsonObject();
    held.values().forEach(h -> {
      if (h.path != null && filter.test(h.instance)) {
        JsonObject counted = RegistrationSummary.entry(byApp, h.instance);
        counted.put("registered", counted.getInteger("registered", 0) + 1).put("since", Math.max(counted.getLong("since", 0L), h.since));
      }
    });
    return byApp;
  }

  @Override
  public Future<Void> close(boolean othersLive) {
    List<String> paths = new ArrayList<>();
    held.values().forEach(h -> {
      if (h.path != null) {
        paths.add(h.path);
      }
    });
    held.clear();
    return new Handover(vertx, reporter, handoverMs).await(paths, othersLive).compose(left -> {
      List<Future<Void>> deletes = new ArrayList<>();
      left.forEach(p -> deletes.add(reporter.delete(p)));
      return Future.join(deletes).mapEmpty();
    });
  }
}
