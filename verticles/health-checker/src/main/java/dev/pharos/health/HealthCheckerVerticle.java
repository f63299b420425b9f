package dev.pharos.health;

import dev.pharos.PharosConfig;
import dev.pharos.bus.Addresses;
import dev.pharos.bus.ContainerFacts;
import dev.pharos.health.impl.CheckRunner;
import dev.pharos.health.impl.ServiceWatch;
import dev.pharos.metrics.PharosMetrics;
import dev.pharos.model.Container;
import dev.pharos.model.Definition;
import dev.pharos.model.Host;
import dev.pharos.model.Instance;
import dev.pharos.model.InstanceResolver;
import dev.pharos.stage.StageStatus;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Where Nerve lives: joins containers labelled {@code sd-name}/{@code sd-env} with their
 * definitions, runs each instance's checks and publishes up/down on {@link Addresses#INSTANCES}.
 * It asks the watchers for snapshots on start, so it can start before or after them.
 */
public class HealthCheckerVerticle extends VerticleBase {

  private static final long SNAPSHOT_RETRY_MS = 1000;

  /** Containers by host id, then container id; hosts by id. */
  private final Map<String, Map<String, Container>> containers = new HashMap<>();
  private final Map<String, Host> hosts = new HashMap<>();
  private final Map<String, Definition> definitions = new TreeMap<>();
  private final Map<String, ServiceWatch> watches = new TreeMap<>();
  private StageStatus status;
  /** Both snapshots arrived: until then this checker's view of what is up is partial. */
  private boolean haveDefinitions;
  private boolean haveContainers;
  private CheckRunner runner;
  private HttpClient http;
  private NetClient tcp;

  @Override
  public Future<?> start() {
    status = new StageStatus(Addresses.HEALTH_CHECKER, PharosConfig.node(config()));
    http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false), new PoolOptions().setHttp1MaxSize(4));
    tcp = vertx.createNetClient(new NetClientOptions());
    runner = new CheckRunner(http, tcp, PharosMetrics.registry(config()));
    var bus = vertx.eventBus();
    Future<Void> consumers = Future.all(
      bus.<JsonObject>consumer(Addresses.CONTAINERS, msg -> onContainers(msg.body())).completion(),
      bus.<JsonObject>consumer(Addresses.DEFINITIONS, msg -> onDefinition(msg.body())).completion(),
      bus.<JsonObject>consumer(Addresses.INSTANCES_SNAPSHOT, this::replySnapshot).completion(),
      status.register(vertx)).mapEmpty();
    return consumers.onSuccess(v -> {
      requestSnapshot(Addresses.DEFINITIONS_SNAPSHOT, body -> {
        body.getJsonArray("definitions").forEach(d -> putDefinition(Definition.fromJson((JsonObject) d)));
        haveDefinitions = true;
      });
      requestSnapshot(Addresses.CONTAINERS_SNAPSHOT, body -> {
        onContainers(body.copy().put("type", "snapshot"));
        haveContainers = true;
      });
      // the request reaches one docker watcher; the announce makes every host's watcher publish
      bus.publish(Addresses.CONTAINERS_ANNOUNCE, new JsonObject());
      status.state(StageStatus.RUNNING);
    });
  }

  @Override
  public Future<?> stop() {
    watches.values().forEach(ServiceWatch::stop);
    return Future.all(http.close(), tcp.close());
  }

  /** Asks until someone answers: the watcher may start after this stage, or on another node. */
  private void requestSnapshot(String address, java.util.function.Consumer<JsonObject> apply) {
    vertx.eventBus().<JsonObject>request(address, new JsonObject())
      .onSuccess(reply -> {
        status.clear("snapshot " + address);
        apply.accept(reply.body());
        reconcile();
      })
      .onFailure(err -> {
        status.problem("snapshot " + address, "no answer yet: " + err.getMessage());
        vertx.setTimer(SNAPSHOT_RETRY_MS, t -> requestSnapshot(address, apply));
      });
  }

  private void onContainers(JsonObject fact) {
    Host host = Host.fromJson(fact.getJsonObject("host"));
    hosts.put(host.id(), host);
    Map<String, Container> ofHost = containers.computeIfAbsent(host.id(), k -> new HashMap<>());
    if (!ContainerFacts.apply(fact, ofHost)) {
      status.problem("message on " + Addresses.CONTAINERS, "unknown type " + fact.getString("type"));
    }
    reconcile();
  }

  private void onDefinition(JsonObject fact) {
    switch (fact.getString("type")) {
      case "put" -> putDefinition(Definition.fromJson(fact.getJsonObject("definition")));
      case "delete" -> {
        Definition known = definitions.get(fact.getString("env") + "/" + fact.getString("app"));
        if (known != null && known.version() <= fact.getLong("version", Long.MAX_VALUE)) {
          definitions.remove(known.key());
        }
      }
      default -> status.problem("message on " + Addresses.DEFINITIONS, "unknown type " + fact.getString("type"));
    }
    reconcile();
  }

  private void putDefinition(Definition definition) {
    Definition known = definitions.get(definition.key());
    if (known == null || known.version() < definition.version()) {
      definitions.put(definition.key(), definition);
    }
  }

  /**
   * Brings the watches in line with containers x definitions: new instances get a watch, gone
   * ones are stopped (and reported down if they were up), changed ones are restarted.
   */
  private void reconcile() {
    Set<String> wanted = new HashSet<>();
    Map<String, String> problems = new HashMap<>();
    for (Map.Entry<String, Map<String, Container>> ofHost : containers.entrySet()) {
      Host host = hosts.get(ofHost.getKey());
      for (Container container : ofHost.getValue().values()) {
        if (!container.isLabelled()) {
          continue;
        }
        String subject = "container " + container.name() + " (" + container.shortId() + " on " + host.id() + ")";
        InstanceResolver.Resolution labels = InstanceResolver.labelProblem(container);
        if (labels != null) {
          problems.put(subject, labels.problem());
          continue;
        }
        String env = container.labels().get(Container.LABEL_ENV);
        String app = container.labels().get(Container.LABEL_NAME);
        Definition definition = definitions.get(env + "/" + app);
        if (definition == null) {
          problems.put(subject, "no definition at " + Definition.path(env, app));
          continue;
        }
        InstanceResolver.Resolution resolution = InstanceResolver.resolve(host, container, definition);
        if (resolution.instance() == null) {
          problems.put(subject, resolution.problem());
          continue;
        }
        Instance instance = resolution.instance();
        wanted.add(instance.id());
        ServiceWatch watch = watches.get(instance.id());
        if (watch != null && (!watch.instance().equals(instance) || !watch.definition().sameRulesAs(definition))) {
          // no "down" in between: the new watch's first result either updates the registration
          // in place (up, new data) or removes it (down)
          watch.stop();
          watches.remove(instance.id());
          watch = null;
        }
        if (watch == null) {
          watch = new ServiceWatch(vertx, runner, instance, definition, this::transition);
          watches.put(instance.id(), watch);
          watch.start();
        }
      }
    }
    status.replaceProblems("container ", problems);
    watches.entrySet().removeIf(e -> {
      if (wanted.contains(e.getKey())) {
        return false;
      }
      ServiceWatch gone = e.getValue();
      gone.stop();
      if (Boolean.TRUE.equals(gone.up())) {
        publish("down", gone.instance(), "container or definition gone");
      }
      return true;
    });
    status.detail("watches", watches.size());
    countUp();
  }

  private void transition(ServiceWatch watch, String reason) {
    // a first-round "down" is published too: a registrar may hold a registration from before a move
    publish(watch.up() ? "up" : "down", watch.instance(), reason);
    countUp();
  }

  private void countUp() {
    status.detail("up", watches.values().stream().filter(w -> Boolean.TRUE.equals(w.up())).count());
  }

  private void publish(String type, Instance instance, String reason) {
    vertx.eventBus().publish(Addresses.INSTANCES, new JsonObject().put("type", type)
      .put("instance", instance.toJson()).put("reason", reason).put("ts", System.currentTimeMillis()));
  }

  private void replySnapshot(Message<JsonObject> msg) {
    JsonArray up = new JsonArray();
    JsonArray all = new JsonArray();
    watches.values().forEach(w -> {
      all.add(w.toJson());
      if (Boolean.TRUE.equals(w.up())) {
        up.add(w.instance().toJson());
      }
    });
    // ready: the whole picture, every instance checked at least once; a registrar may then
    // drop what it holds and this checker does not report up
    boolean ready = haveDefinitions && haveContainers && watches.values().stream().allMatch(w -> w.up() != null);
    msg.reply(new JsonObject().put("ready", ready).put("instances", up).put("watches", all));
  }
}
