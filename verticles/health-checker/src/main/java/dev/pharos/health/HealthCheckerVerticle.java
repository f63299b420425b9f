package dev.pharos.health;

import dev.pharos.PharosConfig;
import dev.pharos.bus.Addresses;
import dev.pharos.bus.Snapshots;
import dev.pharos.checks.CheckContext;
import dev.pharos.health.impl.Catalog;
import dev.pharos.health.impl.CheckRunner;
import dev.pharos.health.impl.ServiceWatch;
import dev.pharos.health.impl.Watches;
import dev.pharos.metrics.PharosMetrics;
import dev.pharos.model.Container;
import dev.pharos.model.Definition;
import dev.pharos.model.Host;
import dev.pharos.model.Instance;
import dev.pharos.model.InstanceResolver;
import dev.pharos.ownership.Member;
import dev.pharos.ownership.Ownership;
import dev.pharos.stage.StageStatus;
import dev.pharos.zookeeper.StageMembership;
import dev.pharos.zookeeper.ZooKeeperSessions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.curator.framework.CuratorFramework;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Where Nerve lives: joins containers labelled {@code sd-name}/{@code sd-env} with their
 * definitions, runs the checks of the instances it owns and publishes up/down on
 * {@link Addresses#INSTANCES}. Health checkers divide the instances among themselves: each is
 * a member of the checkers' group in ZooKeeper and checks only what {@link Ownership} gives it
 * (its own host's first). An instance that moves to another checker is stopped here without a
 * "down": its new owner's first result decides.
 */
public class HealthCheckerVerticle extends VerticleBase {

  static final long LEAVE_TIMEOUT_S = 10;

  private final Catalog catalog = new Catalog();
  private final Watches watches = new Watches();
  /** Problems with containers by subject, as the last reconcile covering each found them. */
  private final Map<String, ContainerProblem> containerProblems = new HashMap<>();
  /** Instances whose checker, here or elsewhere, last reported them up: what an adopted watch starts from. */
  private final Set<String> reportedUp = new HashSet<>();
  private StageStatus status;
  private boolean haveDefinitions;
  private boolean haveContainers;
  private CheckRunner runner;
  private CheckContext checks;
  private CuratorFramework client;
  private StageMembership membership;
  /** Instances resolved from their container and definition so far: what reconciles cost. */
  private long resolves;
  /** Set when stopping: no new watch and no fact from a watch after this. */
  private boolean stopping;

  @Override
  public Future<?> start() {
    status = new StageStatus(Addresses.HEALTH_CHECKER, PharosConfig.node(config()));
    checks = new CheckContext(vertx, catalog::health);
    runner = new CheckRunner(checks, PharosMetrics.registry(config()));
    var bus = vertx.eventBus();
    Member me = new Member(status.id(), status.node(), PharosConfig.affinity(config()), 0);
    return Future.all(
        bus.<JsonObject>consumer(Addresses.CONTAINERS, msg -> onContainers(msg.body())).completion(),
        bus.<JsonObject>consumer(Addresses.DEFINITIONS, msg -> onDefinition(msg.body())).completion(),
        bus.<JsonObject>consumer(Addresses.INSTANCES, msg -> onVerdict(msg.body())).completion(),
        bus.<JsonObject>consumer(Addresses.INSTANCES_SNAPSHOT, this::replySnapshot).completion(),
        bus.<JsonObject>consumer(Addresses.instancesSnapshot(status.id()), this::replySnapshot).completion(),
        status.register(vertx))
      .compose(v -> ZooKeeperSessions.acquire(vertx, config().getJsonObject("zookeeper")))
      .compose(c -> {
        client = c;
        membership = new StageMembership(client, StageMembership.group(vertx, config()), Addresses.HEALTH_CHECKER, me, context, o -> membersChanged());
        return membership.start();
      })
      .onFailure(err -> ZooKeeperSessions.release(vertx, client))
      .onSuccess(v -> {
        Snapshots.askUntilAnswered(vertx, Addresses.DEFINITIONS_SNAPSHOT, new JsonObject(), status, body -> {
          body.getJsonArray("definitions").forEach(d -> catalog.putDefinition(Definition.fromJson((JsonObject) d)));
          haveDefinitions = true;
          reconcile(true, Catalog.Scope.ALL);
        });
        // a watcher's snapshot fact (published after its listing, and on the announce below) does as well
        Snapshots.askUntilAnswered(vertx, Addresses.CONTAINERS_SNAPSHOT, new JsonObject(), status,
          body -> onContainers(body.copy().put("type", "snapshot")), () -> haveContainers);
        // the request reaches one docker watcher; the announce makes every host's watcher publish
        bus.publish(Addresses.CONTAINERS_ANNOUNCE, new JsonObject());
        askVerdicts();
        // running whether or not a docker watcher answers: a node is judged by its own stages (a
        // watcher that has not listed yet is starting itself, on its node); the snapshots'
        // readiness is the checker's own ready(), which the registrars ask for
        status.state(StageStatus.RUNNING);
      });
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    watches.values().forEach(ServiceWatch::stop);
    watches.clear();
    // leave first: the others take this checker's instances over at once (bounded: leaving
    // retries while ZooKeeper is away, and the session's end removes the member anyway)
    Future<Void> left = membership == null ? Future.succeededFuture()
      : vertx.<Void>executeBlocking(() -> {
        membership.close();
        return null;
      }, false).timeout(LEAVE_TIMEOUT_S, java.util.concurrent.TimeUnit.SECONDS).otherwiseEmpty();
    return left.eventually(() -> ZooKeeperSessions.release(vertx, client))
      .eventually(checks::close);
  }

  private void membersChanged() {
    if (stopping) {
      return;
    }
    status.detail("checkers", membership.current().members().size());
    reconcile(true, Catalog.Scope.ALL, true);
  }

  private void onContainers(JsonObject fact) {
    Catalog.Applied applied = catalog.applyContainers(fact);
    if (applied.unknown()) {
      status.problem("message on " + Addresses.CONTAINERS, "unknown type " + fact.getString("type"));
      return;
    }
    if (applied.snapshot() && !haveContainers) {
      haveContainers = true;
      reconcile(true, Catalog.Scope.ALL);
    } else if (applied.scope() != null) {
      reconcile(applied.snapshot(), applied.scope());
    }
  }

  private void onDefinition(JsonObject fact) {
    Catalog.Applied applied = catalog.applyDefinition(fact);
    if (applied.unknown()) {
      status.problem("message on " + Addresses.DEFINITIONS, "unknown type " + fact.getString("type"));
    } else {
      reconcile(false, applied.scope());
    }
  }

  /**
   * The verdicts given before this checker listened (its consumer reaches other nodes a moment
   * after it registers): each other checker's up instances, once. A "down" racing an answer can
   * leave an "up" here that is no longer so; an adopted watch's first round corrects it.
   */
  private void askVerdicts() {
    for (Member other : membership.current().members()) {
      if (other.id().equals(status.id())) {
        continue;
      }
      Snapshots.askUntilAnswered(vertx, Addresses.instancesSnapshot(other.id()), new JsonObject().put("watches", false),
        status, body -> body.getJsonArray("instances", new JsonArray()).forEach(i -> reportedUp.add(((JsonObject) i).getString("id"))),
        () -> stopping || membership.current().member(other.id()) == null);
    }
  }

  /** Every checker's up/down fact, in each checker's order: the last one of each instance is kept. */
  private void onVerdict(JsonObject fact) {
    // a fact without an instance id is the registrar's to report; here it only carries no verdict
    String id = fact.getValue("instance") instanceof JsonObject instance && instance.getValue("id") instanceof String s ? s : null;
    if (id == null) {
      return;
    }
    if ("up".equals(fact.getString("type"))) {
      reportedUp.add(id);
    } else {
      reportedUp.remove(id);
    }
  }

  /** True when this checker owns the instance by the group as it stands now. */
  private boolean owns(String hostId, String instanceId) {
    return membership != null && membership.ready() && membership.current().owns(status.id(), hostId, instanceId);
  }

  /** A problem with one container, with what it belongs to, so a scoped reconcile replaces only its own. */
  private record ContainerProblem(String hostId, String app, String reason) {
  }

  /**
   * Brings the watches in line with containers x definitions x ownership, within {@code scope}:
   * new instances this checker owns get a watch, gone ones are stopped (and reported down if they
   * were up), changed ones are restarted, and those now owned elsewhere are stopped silently.
   *
   * @param adoptive new watches may be of instances that are registered already: taken over
   *                 from another checker, or known from a snapshot (see {@link ServiceWatch})
   */
  private void reconcile(boolean adoptive, Catalog.Scope scope) {
    reconcile(adoptive, scope, false);
  }

  /**
   * @param groupChanged only the checkers changed, no container nor definition: an instance
   *                     watched here already, or a container whose problem is known here, is
   *                     kept as it is, unresolved, so a group change costs an owner per
   *                     container and a resolve per container that moved here
   */
  private void reconcile(boolean adoptive, Catalog.Scope scope, boolean groupChanged) {
    if (stopping) {
      return;
    }
    Set<String> wanted = new HashSet<>();
    Map<String, String> problems = new HashMap<>();
    catalog.forEachLabelled(scope, (host, container) -> {
      String id = InstanceResolver.instanceId(host, container);
      if (!owns(host.id(), id)) {
        return;
      }
      String subject = "container " + container.name() + " (" + container.shortId() + " on " + host.id() + ")";
      ContainerProblem kept = containerProblems.get(subject);
      if (groupChanged && (watches.get(id) != null || kept != null)) {
        // owned here before the change: a watch stays as it is, and a problem (no definition, no
        // HEALTHCHECK) stays, as neither the container nor its definition changed
        if (watches.get(id) != null) {
          wanted.add(id);
        }
        if (kept != null) {
          problems.put(subject, kept.reason());
        }
        return;
      }
      resolves++;
      Instance instance = resolve(host, container, subject, problems);
      if (problems.containsKey(subject)) {
        containerProblems.put(subject, new ContainerProblem(host.id(), Catalog.appOf(container), problems.get(subject)));
      }
      if (instance != null) {
        wanted.add(instance.id());
        watch(instance, catalog.definition(instance.env() + "/" + instance.app()), adoptive);
      }
    });
    containerProblems.entrySet().removeIf(e -> scope.covers(e.getValue().hostId(), e.getValue().app())
      && !problems.containsKey(e.getKey()));
    Map<String, String> all = new HashMap<>();
    containerProblems.forEach((subject, p) -> all.put(subject, p.reason()));
    status.replaceProblems("container ", all);
    for (String id : watches.in(scope)) {
      if (wanted.contains(id)) {
        continue;
      }
      ServiceWatch gone = watches.remove(id);
      gone.stop();
      Instance instance = gone.instance();
      if (Boolean.TRUE.equals(gone.up()) && !movedAway(instance)) {
        publish("down", instance, "container or definition gone");
      }
    }
    status.detail("watches", watches.size()).detail("resolves", resolves);
    countUp();
  }

  /** The instance is still there but another checker owns it now. */
  private boolean movedAway(Instance instance) {
    return catalog.hasContainer(instance) && catalog.definition(instance.env() + "/" + instance.app()) != null
      && !owns(instance.hostId(), instance.id());
  }

  private Instance resolve(Host host, Container container, String subject, Map<String, String> problems) {
    InstanceResolver.Resolution labels = InstanceResolver.labelProblem(container);
    if (labels != null) {
      problems.put(subject, labels.problem());
      return null;
    }
    String env = container.labels().get(Container.LABEL_ENV);
    String app = container.labels().get(Container.LABEL_NAME);
    Definition definition = catalog.definition(env + "/" + app);
    if (definition == null) {
      problems.put(subject, "no definition at " + Definition.path(env, app));
      return null;
    }
    InstanceResolver.Resolution resolution = InstanceResolver.resolve(host, container, definition);
    if (resolution.instance() == null) {
      problems.put(subject, resolution.problem());
    } else if (container.health() == null && definition.checks().stream().anyMatch(c -> "docker".equals(c.type()))) {
      problems.put(subject, "has no HEALTHCHECK, so the docker check of " + definition.path() + " cannot pass");
    }
    return resolution.instance();
  }

  private void watch(Instance instance, Definition definition, boolean adopted) {
    ServiceWatch watch = watches.get(instance.id());
    if (watch != null && (!watch.instance().equals(instance) || !watch.definition().sameRulesAs(definition))) {
      // no "down" in between: the new watch's first result either updates the registration
      // in place (up, new data) or removes it (down)
      watch.stop();
      watches.remove(instance.id());
      watch = null;
    }
    if (watch == null) {
      watch = new ServiceWatch(vertx, runner, instance, definition, this::transition, adopted);
      watches.put(watch);
      watch.start(reportedUp.contains(instance.id()));
    }
  }

  private void transition(ServiceWatch watch, String reason) {
    if (stopping) {
      return;
    }
    watches.result(watch.instance().id(), watch.up());
    // a first-round "down" is published too: a registrar may hold a registration from before a move
    publish(watch.up() ? "up" : "down", watch.instance(), reason);
    countUp();
  }

  /** Kept, not recounted: a transition costs the same with ten watches or a hundred thousand. */
  private void countUp() {
    status.detail("up", watches.upCount());
  }

  private void publish(String type, Instance instance, String reason) {
    vertx.eventBus().publish(Addresses.INSTANCES, new JsonObject().put("type", type)
      .put("instance", instance.toJson()).put("reason", reason).put("ts", System.currentTimeMillis()));
  }

  /** Ready: both snapshots and the group loaded, and every watch has a first result. */
  private boolean ready() {
    return haveDefinitions && haveContainers && membership != null && membership.ready()
      && watches.values().stream().allMatch(w -> w.up() != null);
  }

  private void replySnapshot(Message<JsonObject> msg) {
    if (stopping) {
      // its watches are gone: an answer now would say "down" of instances that are merely moving
      msg.fail(503, "health checker " + status.id() + " is stopping");
      return;
    }
    JsonObject request = msg.body() == null ? new JsonObject() : msg.body();
    Ownership registrars;
    Ownership before;
    String registrar;
    try {
      registrars = request.containsKey("registrars") ? Ownership.fromJson(request.getJsonArray("registrars")) : null;
      before = request.containsKey("before") ? Ownership.fromJson(request.getJsonArray("before")) : null;
      registrar = request.getString("registrar");
      request.getJsonArray("ids", new JsonArray()).forEach(o -> ((JsonObject) o).getString("id"));
    } catch (RuntimeException e) {
      msg.fail(400, "a snapshot request is {\"registrars\":[members],\"registrar\":id,\"ids\":[{\"id\",\"hostId\"}]}: "
        + e.getMessage());
      return;
    }
    JsonArray up = new JsonArray();
    JsonArray all = new JsonArray();
    // a registrar's verdict request names its instances and needs no listing; its catch-up needs
    // the up instances it owns, not every watch's checks (which only the api shows)
    boolean listing = !request.containsKey("ids");
    boolean withWatches = listing && request.getBoolean("watches", true);
    if (listing) {
      watches.values().forEach(w -> {
        Instance i = w.instance();
        if (registrars != null && !registrars.owns(registrar, i.hostId(), i.id())) {
          return;
        }
        if (before != null && before.owns(registrar, i.hostId(), i.id())) {
          return; // its registrar owned it already and heard of it as its owner
        }
        if (withWatches) {
          all.add(w.toJson());
        }
        if (Boolean.TRUE.equals(w.up())) {
          up.add(i.toJson());
        }
      });
    }
    JsonObject reply = new JsonObject().put("member", status.id()).put("node", status.node()).put("ready", ready())
      .put("instances", up).put("watches", all);
    if (request.containsKey("ids")) {
      JsonObject verdicts = new JsonObject();
      request.getJsonArray("ids").forEach(o -> {
        JsonObject id = (JsonObject) o;
        verdicts.put(id.getString("id"), verdict(id.getString("hostId"), id.getString("id")));
      });
      reply.put("verdicts", verdicts);
      if (registrars != null && registrar != null) {
        reply.put("unheld", unheld(registrars, registrar, verdicts));
      }
    }
    msg.reply(reply);
  }

  /**
   * The up instances {@code registrar} owns and did not name as held: an "up" fact it never
   * heard (published before its consumer reached this node, or lost with a connection), which
   * its reconcile makes good. Costs this checker's watches, once a reconcile.
   */
  private JsonArray unheld(Ownership registrars, String registrar, JsonObject held) {
    JsonArray unheld = new JsonArray();
    watches.values().forEach(w -> {
      Instance i = w.instance();
      if (Boolean.TRUE.equals(w.up()) && !held.containsKey(i.id()) && registrars.owns(registrar, i.hostId(), i.id())) {
        unheld.add(i.toJson());
      }
    });
    return unheld;
  }

  private String verdict(String hostId, String instanceId) {
    if (!owns(hostId, instanceId)) {
      return "not-mine";
    }
    ServiceWatch watch = watches.get(instanceId);
    if (watch != null) {
      return watch.up() == null ? "unknown" : watch.up() ? "up" : "down";
    }
    return haveDefinitions && haveContainers && catalog.snapshotted(hostId) ? "down" : "unknown";
  }
}
