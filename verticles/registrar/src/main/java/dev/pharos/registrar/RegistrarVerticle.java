package dev.pharos.registrar;

import dev.pharos.PharosConfig;
import dev.pharos.bus.Addresses;
import dev.pharos.bus.InstanceFilter;
import dev.pharos.bus.PagedReplies;
import dev.pharos.etcd.EtcdClients;
import dev.pharos.metrics.PharosMetrics;
import dev.pharos.metrics.StoreMeters;
import dev.pharos.model.Instance;
import dev.pharos.nesoi.HookedServices;
import dev.pharos.nesoi.NesoiStore;
import dev.pharos.ownership.Member;
import dev.pharos.ownership.Ownership;
import dev.pharos.registrar.impl.EtcdRegistry;
import dev.pharos.registrar.impl.Drains;
import dev.pharos.registrar.impl.NerveRegistry;
import dev.pharos.registrar.impl.NerveZooKeeperReporter;
import dev.pharos.registrar.impl.RegistrarGroup;
import dev.pharos.registrar.impl.RegistrationSummary;
import dev.pharos.registrar.impl.RegistrationCounts;
import dev.pharos.stage.StageStatus;
import dev.pharos.zookeeper.StageMembership;
import dev.pharos.zookeeper.ZooKeeperSessions;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The only stage that writes registrations. Registrars divide the instances among themselves
 * ({@link RegistrarGroup}): each registers the instances it owns, while the health checker
 * reports them up, through one {@link RegistryAdapter} per store: Nerve's znodes in ZooKeeper
 * ({@link NerveRegistry}) and, when etcd is configured, the ambassador's documents
 * ({@link EtcdRegistry}). Each ZooKeeper registration also tells Nesoi's web-hooks on
 * {@code /srv/{app}}.
 *
 * <p>When the group changes, an instance's new owner asks the checkers for what it now owns and
 * registers it in one transaction with the removal of the old owner's znode; the old owner lets
 * go. A registrar that stops leaves the group first and waits (within
 * {@code registrar.handoverTimeoutMs}) for its registrations to be taken over.
 */
public class RegistrarVerticle extends VerticleBase {

  static final long LEAVE_TIMEOUT_S = 10;

  private static final Logger LOG = LoggerFactory.getLogger(RegistrarVerticle.class);

  private final Function<JsonObject, CuratorFramework> clients;
  private final List<RegistryAdapter> adapters = new ArrayList<>();
  private StageStatus status;
  private CuratorFramework client;
  private NesoiStore nesoi;
  private HookedServices hooked;
  private NerveZooKeeperReporter reporter;
  private NerveRegistry nerve;
  private EtcdRegistry etcd;
  private RegistrarGroup group;
  private RegistrationCounts counts;
  private boolean stopping;
  private long reconciles;
  private final ConnectionStateListener connectionListener = (c, state) -> context.runOnContext(y -> connectionChanged(state));

  private Drains drains;

  /** On the process's one ZooKeeper session, shared with the node's other stages. */
  public RegistrarVerticle() {
    this(null);
  }

  /** @param clients makes a started Curator client of this registrar's own session from the zookeeper conf (tests) */
  public RegistrarVerticle(Function<JsonObject, CuratorFramework> clients) {
    this.clients = clients;
  }

  @Override
  public Future<?> start() {
    JsonObject conf = config();
    JsonObject registrarConf = conf.getJsonObject("registrar", new JsonObject());
    status = new StageStatus(Addresses.REGISTRAR, PharosConfig.node(conf));
    MeterRegistry meters = PharosMetrics.registry(conf);
    counts = new RegistrationCounts(meters, status);
    long reconcileMs = registrarConf.getLong("reconcileIntervalMs", 30_000L);
    long handoverMs = registrarConf.getLong("handoverTimeoutMs", 5000L);
    Member me = new Member(status.id(), status.node(), PharosConfig.affinity(conf), 0);
    var bus = vertx.eventBus();
    return status.register(vertx)
      .compose(v -> clients == null ? ZooKeeperSessions.acquire(vertx, conf.getJsonObject("zookeeper"))
        : vertx.executeBlocking(() -> clients.apply(conf.getJsonObject("zookeeper"))))
      .compose(c -> {
        client = c;
        nesoi = new NesoiStore(client);
        hooked = HookedServices.acquire(client);
        group = new RegistrarGroup(vertx, context, client, StageMembership.group(vertx, conf), me, this::registrarsChanged);
        reporter = new NerveZooKeeperReporter(context, client, new StoreMeters(meters, "zookeeper"));
        nerve = new NerveRegistry(vertx, reporter, this::mine, (type, instance, path) -> changed(type, "zookeeper", instance, path),
          status, handoverMs, group);
        adapters.add(nerve);
        JsonObject etcdConf = conf.getJsonObject("etcd", new JsonObject());
        if (EtcdClients.configured(etcdConf)) {
          etcd = new EtcdRegistry(context, EtcdClients.create(vertx, etcdConf), etcdConf.getLong("leaseTtlSeconds", 10L),
            status, (type, instance, key) -> changed(type, "etcd", instance, key), new StoreMeters(meters, "etcd"));
          etcd.start();
          adapters.add(etcd);
        }
        client.getConnectionStateListenable().addListener(connectionListener);
        drains = new Drains(context, client, new Drains.Registrar() {
          @Override
          public Instance held(String instanceId) {
            return nerve.instance(instanceId);
          }

          @Override
          public void register(Instance instance) {
            up(instance);
          }

          @Override
          public void deregister(Instance instance) {
            down(instance, false);
          }

          @Override
          public void changed(String type, Instance instance, String path) {
            RegistrarVerticle.this.changed(type, "maintenance", instance, path);
          }
        });
        return drains.start().compose(x -> group.start());
      })
      .compose(v -> Future.all(
        bus.<JsonObject>consumer(Addresses.MAINTENANCE, msg -> drains.request(msg)).completion(),
        bus.<JsonObject>consumer(Addresses.maintenance(status.id()), msg -> drains.request(msg)).completion(),
        bus.<JsonObject>consumer(Addresses.INSTANCES, msg -> onInstance(msg.body())).completion(),
        bus.<JsonObject>consumer(Addresses.REGISTRATIONS_SNAPSHOT, this::replySnapshot).completion(),
        bus.<JsonObject>consumer(Addresses.registrationsSnapshot(status.id()), this::replySnapshot).completion()))
      .onFailure(err -> {
        if (clients == null) {
          ZooKeeperSessions.release(vertx, client);
        }
      })
      .onSuccess(v -> {
        status.state(StageStatus.RUNNING);
        // what moved here first (its replaces remove an earlier process's znodes in one step),
        // then the earlier process's leftovers of instances no checker reports up
        group.catchUp(this::up).onComplete(x -> sweepPredecessors(PharosConfig.host(conf).id() + "-"));
        vertx.setPeriodic(reconcileMs, reconcileMs, t -> reconcile());
      });
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    if (drains != null) {
      drains.close();
    }
    if (hooked != null) {
      hooked.release();
    }
    Future<Void> left = group == null ? Future.succeededFuture() : vertx.executeBlocking(() -> {
      client.getConnectionStateListenable().removeListener(connectionListener);
      boolean others = group.othersLive();
      group.close(); // leave first: the others take over at once
      return others;
    }, false).timeout(LEAVE_TIMEOUT_S, java.util.concurrent.TimeUnit.SECONDS).otherwise(false).compose(others -> {
      List<Future<Void>> closed = new ArrayList<>();
      adapters.forEach(a -> closed.add(a.close(others)));
      return Future.join(closed).mapEmpty();
    });
    return left.eventually(() -> clients == null ? ZooKeeperSessions.release(vertx, client)
      : vertx.executeBlocking(() -> {
        client.close();
        return null;
      }, false));
  }

  private boolean mine(Instance instance) {
    return !stopping && group.owns(instance);
  }

  /**
   * Removes the registrations an earlier process of this node left under its host's names, when
   * their session is not a live registrar's: once, at start (it walks the whole tree).
   */
  private Future<Void> sweepPredecessors(String prefix) {
    var live = group.otherNodesSessions();
    return vertx.executeBlocking(() -> reporter.foreignRegistrations(prefix, live), false).compose(ghosts -> {
      List<Future<Void>> deletes = new ArrayList<>();
      ghosts.forEach(ghost -> {
        LOG.info("removing {}, left by an earlier session of this host", ghost);
        deletes.add(reporter.delete(ghost));
      });
      return Future.all(deletes).mapEmpty();
    });
  }

  /** The group changed: let go of what moved away, then ask the checkers for what moved here. */
  private long quietTimer = -1;

  private void registrarsChanged(Ownership now) {
    status.detail("registrars", now.members().size());
    group.changed();
    quietLater();
    if (stopping || !group.ready()) {
      return;
    }
    for (RegistryAdapter adapter : adapters) {
      for (Instance instance : List.copyOf(adapter.services())) {
        if (!mine(instance)) {
          // its new owner replaces the registration in one transaction: no gap, no duplicate
          adapter.release(instance.id());
          counts.changed("deregistered", adapter.store(), instance); // no longer counted here
        }
      }
    }
    drains.forgetIf(i -> !mine(i));
    nerve.refresh(); // after a new session: what is still mine, written again (nothing to do otherwise)
    group.catchUp(this::up);
  }

  /** The status says when the group has been quiet long enough for creates without a listing first (NerveRegistry#quiet). */
  private void quietLater() {
    status.detail("groupQuiet", false);
    if (quietTimer >= 0) {
      vertx.cancelTimer(quietTimer);
    }
    quietTimer = vertx.setTimer(nerve.quietAfterMs() + 1, t -> quietCheck());
  }

  /** Until the registry is quiet (its catch-up may still be under way, or its connection had trouble): once a second. */
  private void quietCheck() {
    boolean quiet = nerve.quiet();
    status.detail("groupQuiet", quiet);
    quietTimer = quiet || stopping ? -1 : vertx.setTimer(1000, t -> quietCheck());
  }

  private void onInstance(JsonObject fact) {
    Instance instance = Instance.fromJson(fact.getJsonObject("instance"));
    if (!mine(instance)) {
      return;
    }
    if ("up".equals(fact.getString("type"))) {
      if (!drains.holdsBack(instance)) {
        adapters.forEach(a -> a.registerFresh(instance));
      }
    } else {
      drains.forget(instance.id());
      down(instance, true);
    }
  }

  private void up(Instance instance) {
    if (drains.holdsBack(instance)) {
      return;
    }
    adapters.forEach(a -> a.register(instance));
  }

  private void down(Instance instance, boolean sweep) {
    adapters.forEach(a -> a.deregister(instance, sweep));
  }

  private void connectionChanged(ConnectionState state) {
    status.detail("zookeeper", state.name());
    if (state != ConnectionState.CONNECTED) {
      nerve.connectionTrouble(); // a reply may have been lost: look for strays at the next refresh
    }
    switch (state) {
      case SUSPENDED, LOST -> status.state(StageStatus.DEGRADED);
      case CONNECTED, RECONNECTED -> {
        status.state(StageStatus.RUNNING);
        reconcile();
      }
      default -> {
      }
    }
  }

  /**
   * Every adapter writes again what its store lost, and each held instance's checker is asked
   * whether it still reports it up (it may have moved while a container vanished, and then never
   * sent the "down").
   */
  private void reconcile() {
    if (stopping) {
      return;
    }
    // counted so that a test (or an operator) can tell that reconciles have run since a moment
    status.detail("reconciles", ++reconciles);
    adapters.forEach(RegistryAdapter::refresh);
    group.verdicts(nerve.services(), instance -> {
      LOG.info("{} is no longer reported up by its health checker; deregistering it", instance.id());
      drains.forget(instance.id());
      down(instance, false);
    }, instance -> {
      if (!nerve.wanted(instance.id()) && !drains.holdsBack(instance)) { // not one held or queued now
        LOG.info("{} is reported up by its health checker but its fact never reached this registrar; registering it",
          instance.id());
        up(instance);
      }
    });
  }

  private void changed(String type, String store, Instance instance, String path) {
    counts.changed(type, store, instance);
    if ("zookeeper".equals(store)) {
      recordForWebhooks(instance);
    }
    vertx.eventBus().publish(Addresses.CHANGES, new JsonObject().put("type", type).put("store", store)
      .put("instance", instance.toJson()).put("path", path).put("uri", "/srv/" + instance.app() + "/" + instance.id())
      .put("ts", System.currentTimeMillis()));
  }

  /** Nesoi's web-hooks on {@code /srv/{app}} hear of the Docker pipeline's instances too. */
  private void recordForWebhooks(Instance instance) {
    if (Boolean.FALSE.equals(hooked.hooked(instance.app()))) {
      return; // no hook on its service: no request (checked again in ZooKeeper when there is one)
    }
    vertx.executeBlocking(() -> {
      nesoi.recordChange("srv", instance.app(), "/srv/" + instance.app() + "/" + instance.id());
      return null;
    }, true).onFailure(err -> LOG.warn("could not record the change of {} for web-hooks: {}", instance.id(), err.getMessage()));
  }

  /** This registrar's registrations and drained instances, of the apps and envs asked for ({@link InstanceFilter}). */
  private void replySnapshot(io.vertx.core.eventbus.Message<JsonObject> msg) {
    InstanceFilter filter;
    try {
      filter = InstanceFilter.of(msg.body());
    } catch (IllegalArgumentException e) {
      msg.fail(400, "a registrations snapshot request is {} or {\"apps\":[...],\"envs\":[...]}: " + e.getMessage());
      return;
    }
    Object summary = msg.body() == null ? null : msg.body().getValue("summary");
    if (summary != null && !Boolean.TRUE.equals(summary)) {
      msg.fail(400, "a registrations summary request is {\"summary\":true}: 'summary' must be true");
      return;
    }
    if (summary != null) {
      // the list of services: counts by app and env, and the drained instances (few) whole
      PagedReplies.reply(msg, new JsonObject().put("member", status.id()).put("node", status.node())
        .put("summary", RegistrationSummary.of(nerve.summary(filter::passes), etcd == null ? List.of() : etcd.services(), filter::passes))
        .put("maintenance", drains.toJson(filter::passes)), List.of("maintenance"));
      return;
    }
    // in pages when asked ({"pageSize"}): a registrar's share may be thousands of registrations
    PagedReplies.reply(msg, new JsonObject().put("member", status.id()).put("node", status.node())
      .put("registrations", nerve.toJson(filter::passes)).put("maintenance", drains.toJson(filter::passes)),
      List.of("registrations", "maintenance"));
  }
}
