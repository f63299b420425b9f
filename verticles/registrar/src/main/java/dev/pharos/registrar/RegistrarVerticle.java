package dev.pharos.registrar;

import dev.pharos.PharosConfig;
import dev.pharos.bus.Addresses;
import dev.pharos.etcd.EtcdClients;
import dev.pharos.metrics.PharosMetrics;
import dev.pharos.metrics.StoreMeters;
import dev.pharos.model.Instance;
import dev.pharos.model.Maintenance;
import dev.pharos.nesoi.NesoiStore;
import dev.pharos.ownership.Member;
import dev.pharos.ownership.Ownership;
import dev.pharos.registrar.impl.EtcdServiceReporter;
import dev.pharos.registrar.impl.Handover;
import dev.pharos.registrar.impl.MaintenanceStore;
import dev.pharos.registrar.impl.NerveZooKeeperReporter;
import dev.pharos.stage.StageStatus;
import dev.pharos.zookeeper.StageMembership;
import dev.pharos.zookeeper.ZooKeeperSessions;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The only stage that writes registrations. Registrars divide the instances among themselves:
 * each is a member of the registrars' group in ZooKeeper and registers, in Nerve's format, the
 * instances {@link Ownership} gives it (its own host's first) while the health checker reports
 * them up; when etcd is configured it also keeps the ambassador's service document of each.
 *
 * <p>When the group changes, an instance's new owner asks the checkers for what it now owns and
 * registers it in one transaction with the removal of the old owner's znode; the old owner just
 * lets go. A registrar that stops leaves the group first and waits (within
 * {@code registrar.handoverTimeoutMs}) for its registrations to be taken over.
 *
 * <p>Every ZooKeeper write runs in an ordered {@code executeBlocking}, so facts apply in order.
 */
public class RegistrarVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(RegistrarVerticle.class);
  private static final DeliveryOptions ASK = new DeliveryOptions().setSendTimeout(5000);

  /** What this registrar should hold, by instance id, and where it holds it (null: not yet). */
  private final Map<String, Held> held = new ConcurrentHashMap<>();
  private final Function<JsonObject, CuratorFramework> clients;
  private StageStatus status;
  private CuratorFramework client;
  private NerveZooKeeperReporter reporter;
  private NesoiStore nesoi;
  /** Null when etcd is not configured. */
  private EtcdServiceReporter etcd;
  private MultiGauge registrations;
  private StageMembership registrars;
  private StageMembership checkers;
  private long handoverMs;
  private volatile boolean stopping;
  /** The connection was suspended or lost since the last sweep for strays. */
  private volatile boolean connectionTrouble;
  private final ConnectionStateListener connectionListener = (c, state) -> context.runOnContext(y -> connectionChanged(state));

  /** Instances in maintenance, as ZooKeeper has them (every registrar sees all). */
  private MaintenanceStore maintenance;
  /** Up instances of this registrar held back because they are in maintenance. */
  private final Map<String, Instance> drained = new ConcurrentHashMap<>();

  private static final class Held {
    final Instance instance;
    volatile String path;
    /** When it was last registered, for the dashboard's "registered since". */
    volatile long since;

    Held(Instance instance, String path) {
      this.instance = instance;
      this.path = path;
    }
  }

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
    registrations = MultiGauge.builder("pharos.registrations").description("registrations held, by env, service and store")
      .register(meters);
    long reconcileMs = registrarConf.getLong("reconcileIntervalMs", 30_000L);
    handoverMs = registrarConf.getLong("handoverTimeoutMs", 5000L);
    JsonObject etcdConf = conf.getJsonObject("etcd", new JsonObject());
    if (EtcdClients.configured(etcdConf)) {
      etcd = new EtcdServiceReporter(context, EtcdClients.create(vertx, etcdConf), etcdConf.getLong("leaseTtlSeconds", 10L),
        status, (type, instance, key) -> changed(type, "etcd", instance, key), new StoreMeters(meters, "etcd"));
      etcd.start();
    }
    String group = StageMembership.group(vertx, conf);
    Member me = new Member(status.id(), status.node(), PharosConfig.affinity(conf), 0);
    var bus = vertx.eventBus();
    return status.register(vertx)
      .compose(v -> clients == null ? ZooKeeperSessions.acquire(vertx, conf.getJsonObject("zookeeper"))
        : blocking(() -> clients.apply(conf.getJsonObject("zookeeper"))))
      .compose(c -> {
        client = c;
        reporter = new NerveZooKeeperReporter(client, new StoreMeters(meters, "zookeeper"));
        nesoi = new NesoiStore(client);
        client.getConnectionStateListenable().addListener(connectionListener);
        maintenance = new MaintenanceStore(context, client, this::maintenanceOn, this::maintenanceOff);
        checkers = new StageMembership(client, group, Addresses.HEALTH_CHECKER, null, context, o -> { });
        registrars = new StageMembership(client, group, Addresses.REGISTRAR, me, context, this::registrarsChanged);
        return maintenance.start().compose(x -> checkers.start()).compose(x -> registrars.start());
      })
      .compose(v -> Future.all(
        bus.<JsonObject>consumer(Addresses.MAINTENANCE, this::maintenanceRequest).completion(),
        bus.<JsonObject>consumer(Addresses.maintenance(status.id()), this::maintenanceRequest).completion(),
        bus.<JsonObject>consumer(Addresses.INSTANCES, msg -> onInstance(msg.body())).completion(),
        bus.<JsonObject>consumer(Addresses.REGISTRATIONS_SNAPSHOT, msg -> msg.reply(snapshot())).completion(),
        bus.<JsonObject>consumer(Addresses.registrationsSnapshot(status.id()), msg -> msg.reply(snapshot())).completion()))
      .compose(v -> sweepPredecessors())
      .onSuccess(v -> {
        status.state(StageStatus.RUNNING);
        catchUp();
        vertx.setPeriodic(reconcileMs, reconcileMs, t -> reconcile());
      });
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    if (maintenance != null) {
      maintenance.close();
    }
    Future<Void> handedOver = registrars == null ? Future.succeededFuture() : blocking(() -> {
      client.getConnectionStateListenable().removeListener(connectionListener);
      boolean others = registrars.current().members().stream().anyMatch(m -> !m.id().equals(status.id()));
      registrars.close();
      checkers.close();
      return others;
    }).compose(others -> new Handover(vertx, reporter, handoverMs).await(heldPaths(), others))
      .compose(left -> blocking(() -> {
        for (String path : left) {
          reporter.delete(path);
        }
        return null;
      }));
    Future<?> etcdClosed = etcd == null ? Future.succeededFuture() : etcd.close();
    return handedOver.eventually(() -> etcdClosed).eventually(() -> clients == null
      ? ZooKeeperSessions.release(vertx, client) : blocking(() -> {
        client.close();
        return null;
      }));
  }

  private List<String> heldPaths() {
    List<String> paths = new ArrayList<>();
    held.values().forEach(h -> {
      if (h.path != null) {
        paths.add(h.path);
      }
    });
    return paths;
  }

  private <T> Future<T> blocking(Callable<T> work) {
    return vertx.executeBlocking(work, true);
  }

  private boolean mine(Instance instance) {
    return !stopping && registrars.ready() && registrars.current().owns(status.id(), instance.hostId(), instance.id());
  }

  /**
   * Removes the registrations an earlier process of this node left under its host's names, when
   * their session is not a live registrar's: once, at start (it walks the whole tree).
   */
  private Future<Void> sweepPredecessors() {
    Set<Long> live = new HashSet<>();
    registrars.current().members().forEach(m -> {
      if (!m.node().equals(status.node()) && !registrars.predecessors().contains(m.session())) {
        live.add(m.session());
      }
    });
    String prefix = PharosConfig.host(config()).id() + "-";
    return blocking(() -> {
      for (String ghost : reporter.foreignRegistrations(prefix, live)) {
        LOG.info("removing {}, left by an earlier session of this host", ghost);
        reporter.delete(ghost);
      }
      return null;
    });
  }

  /** The group changed: let go of what moved away, then ask the checkers for what moved here. */
  private void registrarsChanged(Ownership now) {
    status.detail("registrars", now.members().size());
    if (stopping || !registrars.ready()) {
      return;
    }
    for (Held h : List.copyOf(held.values())) {
      if (!mine(h.instance)) {
        // its new owner replaces the znode in one transaction: no gap, no duplicate
        held.remove(h.instance.id());
        LOG.info("{} moved to another registrar", h.instance.id());
      }
    }
    drained.values().removeIf(i -> !mine(i));
    countRegistrations();
    catchUp();
  }

  /** Asks every checker for the up instances this registrar owns now, and registers them. */
  private void catchUp() {
    Ownership group = registrars.current();
    for (Member checker : checkers.current().members()) {
      askChecker(checker, group, 0);
    }
  }

  private void askChecker(Member checker, Ownership group, int attempt) {
    JsonObject request = new JsonObject().put("registrars", group.toJson()).put("registrar", status.id());
    vertx.eventBus().<JsonObject>request(Addresses.instancesSnapshot(checker.id()), request, ASK)
      .onSuccess(reply -> reply.body().getJsonArray("instances").forEach(i -> {
        Instance instance = Instance.fromJson((JsonObject) i);
        if (mine(instance)) {
          up(instance);
        }
      }))
      .onFailure(err -> {
        // its consumer may not be visible on this node yet; a checker that left is no longer asked
        if (!stopping && attempt < 10 && checkers.current().member(checker.id()) != null && group.equals(registrars.current())) {
          vertx.setTimer(500, t -> askChecker(checker, group, attempt + 1));
        }
      });
  }

  private void onInstance(JsonObject fact) {
    Instance instance = Instance.fromJson(fact.getJsonObject("instance"));
    if (!mine(instance)) {
      return;
    }
    if ("up".equals(fact.getString("type"))) {
      up(instance);
    } else {
      drained.remove(instance.id());
      down(instance, true);
    }
  }

  /** Drains the instance: out of every store, kept so it comes back when taken out. */
  private void maintenanceOn(Maintenance entry) {
    boolean first = !drained.containsKey(entry.instanceId());
    Held h = held.get(entry.instanceId());
    if (h != null) {
      drained.put(entry.instanceId(), h.instance);
      down(h.instance, false);
    }
    Instance instance = drained.get(entry.instanceId());
    if (first && instance != null) {
      LOG.info("{} is in maintenance: deregistered while its container runs", entry.instanceId());
      changed("maintenance-on", "maintenance", instance, Maintenance.path(entry.instanceId()));
    }
  }

  private void maintenanceOff(String id) {
    Instance instance = drained.remove(id);
    if (instance != null) {
      LOG.info("{} is out of maintenance: registering it again", id);
      changed("maintenance-off", "maintenance", instance, Maintenance.path(id));
      up(instance);
    }
  }

  /** {@code pharos.maintenance}: writes or removes the instance's maintenance znode. */
  private void maintenanceRequest(Message<JsonObject> msg) {
    String id = msg.body().getString("id");
    boolean on = msg.body().getBoolean("maintenance", true);
    try {
      Maintenance.path(id);
    } catch (IllegalArgumentException e) {
      msg.fail(400, e.getMessage());
      return;
    }
    if (!held.containsKey(id) && !drained.containsKey(id) && !maintenance.contains(id)) {
      msg.fail(404, "no instance " + id + " is registered or drained here");
      return;
    }
    Maintenance entry = new Maintenance(id, System.currentTimeMillis(), msg.body().getString("reason", ""));
    maintenance.write(entry, on).onSuccess(v -> msg.reply(new JsonObject().put("id", id).put("maintenance", on)))
      .onFailure(err -> msg.fail(503, "ZooKeeper refused the maintenance change: " + err.getMessage()));
  }

  private void up(Instance instance) {
    if (maintenance.contains(instance.id())) {
      drained.put(instance.id(), instance); // registered again when taken out
      if (held.containsKey(instance.id())) {
        down(instance, false);
      }
      return;
    }
    if (etcd != null) {
      etcd.register(instance);
    }
    blocking(() -> {
      Held current = held.get(instance.id());
      String path = current == null ? null : current.path;
      if (path != null && current.instance.equals(instance)) {
        return null;
      }
      if (path != null && current.instance.registrationsPath().equals(instance.registrationsPath())) {
        reporter.update(path, instance);
        held.put(instance.id(), new Held(instance, path));
        changed("registered", instance, path);
        return null;
      }
      if (path != null) {
        reporter.delete(path);
      }
      Held next = new Held(instance, null);
      held.put(instance.id(), next);
      create(next);
      return null;
    }).onFailure(err -> failed(instance, err));
  }

  /** @param sweep also remove znodes of the instance that this registrar does not hold (a previous owner's) */
  private void down(Instance instance, boolean sweep) {
    if (etcd != null) {
      etcd.deregister(instance.id());
    }
    blocking(() -> {
      Held gone = held.remove(instance.id());
      if (gone != null && gone.path != null) {
        reporter.delete(gone.path);
        changed("deregistered", gone.instance, gone.path);
      } else if (sweep) {
        reporter.deleteAll(instance);
      }
      return null;
    }).onFailure(err -> LOG.warn("deregistering {} failed: {}", instance.id(), err.getMessage()));
  }

  /** Blocking: creates the znode of {@code h} (replacing any other of its instance), or records why it cannot. */
  private void create(Held h) throws Exception {
    if (!mine(h.instance)) {
      held.remove(h.instance.id(), h);
      return;
    }
    String path = reporter.register(h.instance);
    String subject = "registration " + h.instance.id();
    if (path == null) {
      status.problem(subject, "definition " + h.instance.registrationsPath().replaceFirst("/sd$", "") + " is gone");
      return;
    }
    status.clear(subject);
    h.path = path;
    h.since = System.currentTimeMillis();
    changed("registered", h.instance, path);
  }

  private void failed(Instance instance, Throwable err) {
    status.problem("registration " + instance.id(), "ZooKeeper write failed, will retry on reconcile: " + err.getMessage());
  }

  private void connectionChanged(ConnectionState state) {
    status.detail("zookeeper", state.name());
    if (state != ConnectionState.CONNECTED) {
      connectionTrouble = true; // a reply may have been lost: look for strays at the next reconcile
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
   * Re-creates every registration this registrar should hold but does not own in its current
   * session, and drops what the instance's own checker, when ready, no longer reports up (it may
   * have moved while a container vanished, and then never sent the "down"). Costs one exists
   * per held registration and one question per checker.
   */
  private void reconcile() {
    if (stopping) {
      return;
    }
    if (etcd != null) {
      etcd.reconcile();
    }
    askVerdicts();
    blocking(() -> {
      if (!client.getZookeeperClient().isConnected()) {
        return null;
      }
      if (connectionTrouble) {
        connectionTrouble = false;
        sweepStrays();
      }
      for (Held h : List.copyOf(held.values())) {
        if (h.path == null || !reporter.isOwned(h.path)) {
          if (h.path != null) {
            LOG.info("registration {} at {} was lost; re-creating it", h.instance.id(), h.path);
            changed("deregistered", h.instance, h.path);
          }
          h.path = null;
          create(h);
        }
      }
      countRegistrations();
      return null;
    }).onFailure(err -> status.problem("reconcile", err.getMessage()))
      .onSuccess(v -> status.clear("reconcile"));
  }

  /**
   * Blocking: removes second znodes of held instances, which Curator's retry of a create whose
   * reply was lost leaves behind (Nerve's names cannot carry Curator's protection prefix). One
   * listing per service held; run only after the connection was in trouble.
   */
  private void sweepStrays() throws Exception {
    Map<String, Map<String, String>> byParent = new HashMap<>();
    held.values().forEach(h -> {
      if (h.path != null) {
        byParent.computeIfAbsent(h.instance.registrationsPath(), k -> new HashMap<>()).put(h.instance.id(), h.path);
      }
    });
    for (Map.Entry<String, Map<String, String>> e : byParent.entrySet()) {
      for (String stray : reporter.strays(e.getKey(), e.getValue())) {
        LOG.info("removing {}, a second registration left by a create retried after a lost reply", stray);
        reporter.delete(stray);
      }
    }
  }

  /** Asks each instance's checker whether it still reports it up; a ready owner's "down" deregisters it. */
  private void askVerdicts() {
    Ownership checkerGroup = checkers.current();
    Map<String, JsonArray> byChecker = new HashMap<>();
    held.values().forEach(h -> {
      Member owner = checkerGroup.owner(h.instance.hostId(), h.instance.id());
      if (owner != null) {
        byChecker.computeIfAbsent(owner.id(), k -> new JsonArray())
          .add(new JsonObject().put("id", h.instance.id()).put("hostId", h.instance.hostId()));
      }
    });
    byChecker.forEach((checker, ids) -> vertx.eventBus().<JsonObject>request(Addresses.instancesSnapshot(checker),
      new JsonObject().put("ids", ids).put("registrars", new JsonArray()).put("registrar", ""), ASK).onSuccess(reply -> {
        if (!reply.body().getBoolean("ready", false)) {
          return;
        }
        JsonObject verdicts = reply.body().getJsonObject("verdicts", new JsonObject());
        for (String id : verdicts.fieldNames()) {
          Held h = held.get(id);
          if (h != null && "down".equals(verdicts.getString(id)) && mine(h.instance)) {
            LOG.info("{} is no longer reported up by its health checker; deregistering it", id);
            drained.remove(id);
            down(h.instance, false);
          }
        }
      }));
  }

  /** A ZooKeeper registration made or removed (called where ZooKeeper calls may block). */
  private void changed(String type, Instance instance, String path) {
    changed(type, "zookeeper", instance, path);
    try {
      // Nesoi's web-hooks on /srv/{app} hear of the Docker pipeline's instances too
      nesoi.recordChange("srv", instance.app(), "/srv/" + instance.app() + "/" + instance.id());
    } catch (Exception e) {
      LOG.warn("could not record the change of {} for web-hooks: {}", instance.id(), e.getMessage());
    }
  }

  private void changed(String type, String store, Instance instance, String path) {
    countRegistrations();
    vertx.eventBus().publish(Addresses.CHANGES, new JsonObject().put("type", type).put("store", store)
      .put("instance", instance.toJson()).put("path", path).put("uri", "/srv/" + instance.app() + "/" + instance.id())
      .put("ts", System.currentTimeMillis()));
  }

  private void countRegistrations() {
    status.detail("registrations", held.values().stream().filter(h -> h.path != null).count());
    Map<List<String>, Integer> counts = new HashMap<>();
    held.values().stream().filter(h -> h.path != null)
      .forEach(h -> counts.merge(List.of(h.instance.env(), h.instance.app(), "zookeeper"), 1, Integer::sum));
    if (etcd != null) {
      status.detail("etcdDocuments", etcd.size());
      etcd.instances().forEach(i -> counts.merge(List.of(i.env(), i.app(), "etcd"), 1, Integer::sum));
    }
    registrations.register(counts.entrySet().stream().map(e -> MultiGauge.Row.of(Tags.of("env", e.getKey().get(0),
      "service", e.getKey().get(1), "store", e.getKey().get(2)), e.getValue())).toList(), true);
  }

  private JsonObject snapshot() {
    JsonArray list = new JsonArray();
    held.values().forEach(h -> {
      if (h.path != null) {
        list.add(new JsonObject().put("instance", h.instance.toJson()).put("path", h.path).put("since", h.since));
      }
    });
    JsonArray inMaintenance = new JsonArray();
    drained.forEach((id, instance) -> {
      Maintenance entry = maintenance.get(id);
      inMaintenance.add(new JsonObject().put("instance", instance.toJson())
        .put("since", entry == null ? 0L : entry.since()).put("reason", entry == null ? "" : entry.reason()));
    });
    return new JsonObject().put("member", status.id()).put("node", status.node())
      .put("registrations", list).put("maintenance", inMaintenance);
  }
}
