package dev.pharos.health;

import dev.pharos.PharosConfig;
import dev.pharos.bus.Addresses;
import dev.pharos.bus.Snapshots;
import dev.pharos.checks.CheckContext;
import dev.pharos.health.impl.Catalog;
import dev.pharos.health.impl.CheckRunner;
import dev.pharos.health.impl.ContainerProblems;
import dev.pharos.health.impl.ServiceWatch;
import dev.pharos.health.impl.SnapshotAnswers;
import dev.pharos.health.impl.Verdicts;
import dev.pharos.health.impl.Watches;
import dev.pharos.metrics.PharosMetrics;
import dev.pharos.model.Definition;
import dev.pharos.model.Instance;
import dev.pharos.model.InstanceResolver;
import dev.pharos.ownership.Member;
import dev.pharos.ownership.Ownership;
import dev.pharos.stage.StageStatus;
import dev.pharos.zookeeper.StageMembership;
import dev.pharos.zookeeper.ZooKeeperSessions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import org.apache.curator.framework.CuratorFramework;

import java.util.HashSet;
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
  private ContainerProblems containerProblems;
  private final Verdicts verdicts = new Verdicts();
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
    containerProblems = new ContainerProblems(status);
    checks = new CheckContext(vertx, catalog::health);
    runner = new CheckRunner(checks, PharosMetrics.registry(config()));
    var bus = vertx.eventBus();
    Member me = new Member(status.id(), status.node(), PharosConfig.affinity(config()), 0);
    return Future.all(
        bus.<JsonObject>consumer(Addresses.CONTAINERS, msg -> onContainers(msg.body())).completion(),
        bus.<JsonObject>consumer(Addresses.DEFINITIONS, msg -> onDefinition(msg.body())).completion(),
        bus.<JsonObject>consumer(Addresses.INSTANCES, msg -> verdicts.heard(msg.body())).completion(),
        bus.<JsonObject>consumer(Addresses.INSTANCES_SNAPSHOT, answers::reply).completion(),
        bus.<JsonObject>consumer(Addresses.instancesSnapshot(status.id()), answers::reply).completion(),
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
        verdicts.ask(vertx, membership.current().members(), status,
          other -> stopping || membership.current().member(other) == null);
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

  /** True when this checker owns the instance by the group as it stands now. */
  private boolean owns(String hostId, String instanceId) {
    return membership != null && membership.ready() && membership.current().owns(status.id(), hostId, instanceId);
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
    containerProblems.beginRound();
    catalog.forEachLabelled(scope, (host, container) -> {
      String id = InstanceResolver.instanceId(host, container);
      if (!owns(host.id(), id)) {
        return;
      }
      String subject = "container " + container.name() + " (" + container.shortId() + " on " + host.id() + ")";
      if (groupChanged && (watches.get(id) != null || containerProblems.has(subject))) {
        // owned here before the change: a watch stays as it is, and a problem (no definition, no
        // HEALTHCHECK) stays, as neither the container nor its definition changed
        if (watches.get(id) != null) {
          wanted.add(id);
        }
        containerProblems.keep(subject);
        return;
      }
      resolves++;
      Catalog.Resolved resolved = catalog.resolve(host, container);
      if (resolved.problem() != null) {
        containerProblems.found(subject, host.id(), Catalog.appOf(container), container.id(), resolved.problem());
      }
      Instance instance = resolved.instance();
      if (instance != null) {
        wanted.add(instance.id());
        watch(instance, catalog.definition(instance.env() + "/" + instance.app()), adoptive);
      }
    });
    containerProblems.endRound(scope);
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
      watch.start(verdicts.reportedUp(instance.id()));
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

  private final SnapshotAnswers answers = new SnapshotAnswers(watches, new SnapshotAnswers.Checker() {
    @Override
    public String id() {
      return status.id();
    }

    @Override
    public String node() {
      return status.node();
    }

    @Override
    public boolean stopping() {
      return stopping;
    }

    @Override
    public boolean ready() {
      return haveDefinitions && haveContainers && membership != null && membership.ready() && watches.allDecided();
    }

    @Override
    public boolean owns(String hostId, String instanceId) {
      return HealthCheckerVerticle.this.owns(hostId, instanceId);
    }

    @Override
    public boolean knowsAllOf(String hostId) {
      return haveDefinitions && haveContainers && catalog.snapshotted(hostId);
    }
  });
}
