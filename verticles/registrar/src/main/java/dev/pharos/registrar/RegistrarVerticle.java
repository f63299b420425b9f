package dev.pharos.registrar;

import dev.pharos.PharosConfig;
import dev.pharos.bus.Addresses;
import dev.pharos.etcd.EtcdClients;
import dev.pharos.metrics.PharosMetrics;
import dev.pharos.metrics.StoreMeters;
import dev.pharos.model.Instance;
import dev.pharos.model.Maintenance;
import io.vertx.core.eventbus.Message;
import dev.pharos.nesoi.NesoiStore;
import dev.pharos.registrar.impl.EtcdServiceReporter;
import dev.pharos.registrar.impl.MaintenanceStore;
import dev.pharos.registrar.impl.NerveZooKeeperReporter;
import dev.pharos.stage.StageStatus;
import dev.pharos.zookeeper.ZooKeeperClients;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The only stage that writes registrations. It owns a ZooKeeper session, registers every
 * instance the health checker reports up in Nerve's format and removes it when reported down;
 * when etcd is configured it also keeps the ambassador's service document of each in etcd.
 * After a reconnect, on a timer, and at start it reconciles: what it should hold is re-created
 * (a session expiry took it, or someone deleted it) and what an earlier process on this host
 * left behind is removed, so there is never a ghost nor a duplicate.
 *
 * <p>Every ZooKeeper call runs in an ordered {@code executeBlocking}, so facts apply in order.
 */
public class RegistrarVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(RegistrarVerticle.class);

  /** What this registrar should hold, by instance id, and where it holds it (null: not yet). */
  private final Map<String, Held> held = new ConcurrentHashMap<>();
  private final Function<JsonObject, CuratorFramework> clients;
  private StageStatus status;
  private CuratorFramework client;
  private NerveZooKeeperReporter reporter;
  private NesoiStore nesoi;
  /** Null when etcd is not configured. */
  private EtcdServiceReporter etcd;
  private List<String> hosts;
  private String ownHostId;
  private MeterRegistry meters;
  private MultiGauge registrations;

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

  /** Instances in maintenance, as ZooKeeper has them (every registrar sees all). */
  private MaintenanceStore maintenance;
  /** Up instances of this registrar held back because they are in maintenance. */
  private final Map<String, Instance> drained = new ConcurrentHashMap<>();

  public RegistrarVerticle() {
    this(ZooKeeperClients::start);
  }

  /** @param clients makes the started Curator client of this registrar's session from the zookeeper conf */
  public RegistrarVerticle(Function<JsonObject, CuratorFramework> clients) {
    this.clients = clients;
  }

  @Override
  public Future<?> start() {
    JsonObject conf = config();
    JsonObject registrarConf = conf.getJsonObject("registrar", new JsonObject());
    status = new StageStatus(Addresses.REGISTRAR, PharosConfig.node(conf));
    meters = PharosMetrics.registry(conf);
    registrations = MultiGauge.builder("pharos.registrations").description("registrations held, by env, service and store")
      .register(meters);
    hosts = registrarConf.getJsonArray("hosts", new JsonArray().add("*")).stream().map(String::valueOf).toList();
    ownHostId = PharosConfig.host(conf).id();
    long reconcileMs = registrarConf.getLong("reconcileIntervalMs", 30_000L);
    var bus = vertx.eventBus();
    JsonObject etcdConf = conf.getJsonObject("etcd", new JsonObject());
    if (EtcdClients.configured(etcdConf)) {
      etcd = new EtcdServiceReporter(context, EtcdClients.create(vertx, etcdConf), etcdConf.getLong("leaseTtlSeconds", 10L),
        status, (type, instance, key) -> changed(type, "etcd", instance, key), new StoreMeters(meters, "etcd"));
      etcd.start();
    }
    return status.register(vertx)
      .compose(v -> blocking(() -> {
        client = clients.apply(conf.getJsonObject("zookeeper"));
        reporter = new NerveZooKeeperReporter(client, new StoreMeters(meters, "zookeeper"));
        nesoi = new NesoiStore(client);
        client.getConnectionStateListenable().addListener((c, state) ->
          context.runOnContext(x -> connectionChanged(state)));
        return null;
      }))
      .compose(v -> {
        maintenance = new MaintenanceStore(context, client, this::maintenanceOn, this::maintenanceOff);
        return maintenance.start();
      })
      .compose(v -> bus.<JsonObject>consumer(Addresses.MAINTENANCE, this::maintenanceRequest).completion())
      .compose(v -> bus.<JsonObject>consumer(Addresses.INSTANCES, msg -> onInstance(msg.body())).completion())
      .compose(v -> bus.<JsonObject>consumer(Addresses.REGISTRATIONS_SNAPSHOT, msg -> msg.reply(snapshot())).completion())
      .onSuccess(v -> {
        // the session may have connected before the listener was added: sweep and check now
        reconcile();
        requestInstances();
        vertx.setPeriodic(reconcileMs, reconcileMs, t -> reconcile());
      });
  }

  /** Drains the instance: out of every store, kept so it comes back when taken out. */
  private void maintenanceOn(Maintenance entry) {
    boolean first = !drained.containsKey(entry.instanceId());
    Held h = held.get(entry.instanceId());
    if (h != null) {
      drained.put(entry.instanceId(), h.instance);
      down(entry.instanceId());
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

  @Override
  public Future<?> stop() {
    // Closing the session removes every ephemeral registration at once; so does revoking the lease.
    if (maintenance != null) {
      maintenance.close();
    }
    Future<?> etcdClosed = etcd == null ? Future.succeededFuture() : etcd.close();
    return etcdClosed.transform(x -> blocking(() -> {
      if (client != null) {
        client.close();
      }
      return null;
    }));
  }

  private <T> Future<T> blocking(Callable<T> work) {
    return vertx.executeBlocking(work, true);
  }

  private boolean mine(Instance instance) {
    return hosts.contains("*") || hosts.contains(instance.hostId());
  }

  private void requestInstances() {
    vertx.eventBus().<JsonObject>request(Addresses.INSTANCES_SNAPSHOT, new JsonObject())
      .onSuccess(reply -> {
        status.clear("snapshot " + Addresses.INSTANCES_SNAPSHOT);
        reply.body().getJsonArray("instances").stream().map(i -> Instance.fromJson((JsonObject) i))
          .filter(this::mine).forEach(this::up);
        status.state(StageStatus.RUNNING);
      })
      .onFailure(err -> {
        status.problem("snapshot " + Addresses.INSTANCES_SNAPSHOT, "no answer yet: " + err.getMessage());
        vertx.setTimer(1000, t -> requestInstances());
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
      down(instance.id());
    }
  }

  private void up(Instance instance) {
    if (maintenance.contains(instance.id())) {
      drained.put(instance.id(), instance); // registered again when taken out
      if (held.containsKey(instance.id())) {
        down(instance.id());
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

  private void down(String instanceId) {
    if (etcd != null) {
      etcd.deregister(instanceId);
    }
    blocking(() -> {
      Held gone = held.remove(instanceId);
      if (gone != null && gone.path != null) {
        reporter.delete(gone.path);
        changed("deregistered", gone.instance, gone.path);
      }
      return null;
    }).onFailure(err -> LOG.warn("deregistering {} failed: {}", instanceId, err.getMessage()));
  }

  /** Blocking: creates the znode of {@code h}, or records why it cannot. */
  private void create(Held h) throws Exception {
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
   * session, removes registrations of this host that nobody here holds, and drops what a ready
   * health checker no longer reports up (it may have moved while a container vanished, and then
   * never sent the "down").
   */
  private void reconcile() {
    if (etcd != null) {
      etcd.reconcile();
    }
    vertx.eventBus().<JsonObject>request(Addresses.INSTANCES_SNAPSHOT, new JsonObject()).onSuccess(reply -> {
      if (!reply.body().getBoolean("ready", false)) {
        return;
      }
      Set<String> up = new HashSet<>();
      reply.body().getJsonArray("instances").forEach(i -> up.add(((JsonObject) i).getString("id")));
      drained.keySet().removeIf(id -> !up.contains(id));
      for (String id : List.copyOf(held.keySet())) {
        Held h = held.get(id);
        if (h != null && !up.contains(id) && mine(h.instance)) {
          LOG.info("{} is no longer reported up by the health checker; deregistering it", id);
          down(id);
        }
      }
    });
    blocking(() -> {
      if (!client.getZookeeperClient().isConnected()) {
        return null;
      }
      for (Held h : held.values()) {
        if (h.path == null || !reporter.isOwned(h.path)) {
          if (h.path != null) {
            LOG.info("registration {} at {} was lost; re-creating it", h.instance.id(), h.path);
            changed("deregistered", h.instance, h.path);
          }
          h.path = null;
          create(h);
        }
      }
      for (String ghost : reporter.foreignRegistrations(ownHostId + "-")) {
        LOG.info("removing {}, left by an earlier session of this host", ghost);
        reporter.delete(ghost);
      }
      countRegistrations();
      return null;
    }).onFailure(err -> status.problem("reconcile", err.getMessage()))
      .onSuccess(v -> status.clear("reconcile"));
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
    return new JsonObject().put("registrations", list).put("maintenance", inMaintenance);
  }
}
