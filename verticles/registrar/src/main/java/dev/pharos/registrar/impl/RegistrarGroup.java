package dev.pharos.registrar.impl;

import dev.pharos.bus.Addresses;
import dev.pharos.bus.PagedReplies;
import dev.pharos.model.Instance;
import dev.pharos.ownership.Member;
import dev.pharos.ownership.Ownership;
import dev.pharos.zookeeper.StageMembership;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.curator.framework.CuratorFramework;

import io.vertx.core.Promise;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A registrar's place among the registrars and what it asks of the health checkers: it is a
 * member of the registrars' group and follows the checkers' group; it owns what
 * {@link Ownership} gives it. When the registrars change, it asks each checker for the up
 * instances it now owns ({@link #catchUp}); on reconcile, it asks each instance's checker
 * whether it still reports it up ({@link #verdicts}). Used on its context.
 */
public final class RegistrarGroup implements NerveRegistry.Group {

  private static final DeliveryOptions ASK = new DeliveryOptions().setSendTimeout(5000);
  private static final int CATCH_UP_TRIES = 10;
  private static final long CATCH_UP_RETRY_MS = 500;

  private final Vertx vertx;
  private final Member me;
  private final StageMembership registrars;
  private final StageMembership checkers;
  private volatile boolean leaving;
  private volatile long changedAt = System.currentTimeMillis();
  /** The last change of the group, members or their sessions (changedAt is joins only). */
  private volatile long anyChangeAt = System.currentTimeMillis();
  private final CatchUps catchUps = new CatchUps();
  /** The registrars as of the last change, to tell a join from a leave. */
  private Set<String> seen = Set.of();
  static final long UNSETTLED_MS = 10_000;

  public RegistrarGroup(Vertx vertx, Context context, CuratorFramework client, String group, Member me,
                        Consumer<Ownership> onChange) {
    this.vertx = vertx;
    this.me = me;
    this.checkers = new StageMembership(client, group, Addresses.HEALTH_CHECKER, null, context, o -> { });
    this.registrars = new StageMembership(client, group, Addresses.REGISTRAR, me, context, onChange);
  }

  /** Loads the checkers' group, then joins the registrars'. */
  public Future<Void> start() {
    return checkers.start().compose(v -> registrars.start());
  }

  @Override
  public boolean ready() {
    return registrars.ready();
  }

  @Override
  public long sinceChangeMs() {
    return System.currentTimeMillis() - anyChangeAt;
  }

  @Override
  public boolean caughtUp() {
    return catchUps.holds(registrars.current());
  }

  public boolean owns(Instance instance) {
    return !leaving && registrars.ready() && registrars.current().owns(me.id(), instance.hostId(), instance.id());
  }

  public Ownership registrars() {
    return registrars.current();
  }

  /** Sessions of this node's earlier processes, whose members joining removed. */
  public Set<Long> predecessors() {
    return registrars.predecessors();
  }

  /** Registrars on other nodes: this node's own are stopping with it. */
  public boolean othersLive() {
    return registrars.current().members().stream().anyMatch(m -> !m.node().equals(me.node()));
  }

  /** True for a while after a registrar joined, while members may disagree on owners. */
  @Override
  public boolean unsettled() {
    return System.currentTimeMillis() - changedAt < UNSETTLED_MS;
  }

  /**
   * Called on each group change, on the context. Only a join unsettles: rendezvous ownership
   * never gives one instance to two registrars when one leaves (a registrar that has not seen
   * the leave yet names the leaver, never itself), so after a crash the instances that move are
   * created without the second listing that {@link #unsettled} asks for.
   */
  public void changed() {
    Set<String> now = new HashSet<>();
    registrars.current().members().forEach(m -> now.add(m.id()));
    if (!seen.containsAll(now)) {
      changedAt = System.currentTimeMillis();
    }
    anyChangeAt = System.currentTimeMillis(); // a member's new session too: its instances moved meanwhile
    seen = now;
  }

  /** Sessions of the live registrars on other nodes: their registrations are not ghosts. */
  public Set<Long> otherNodesSessions() {
    Set<Long> live = new HashSet<>();
    registrars.current().members().forEach(m -> {
      if (!m.node().equals(me.node()) && !registrars.predecessors().contains(m.session())) {
        live.add(m.session());
      }
    });
    return live;
  }

  /**
   * Asks every checker for the up instances this registrar owns now and did not own by the group
   * of its last complete catch-up (those it heard of as their owner); each goes to {@code up}.
   * A catch-up costs what moved, not what this registrar holds. Completes once every checker has
   * answered, or has been given up on; one given up on, or a group change while it asks, makes the
   * next catch-up ask for all again ({@link CatchUps}).
   */
  public Future<Void> catchUp(Consumer<Instance> up) {
    CatchUps.CatchUp catchUp = catchUps.begin(registrars.current());
    List<Future<Boolean>> asks = new ArrayList<>();
    checkers.current().members().forEach(checker -> {
      Promise<Boolean> answered = Promise.promise();
      ask(checker, catchUp.group(), catchUp.before(), 0, up, answered);
      asks.add(answered.future());
    });
    return Future.join(asks).map(done -> {
      catchUps.ended(catchUp, asks.stream().allMatch(a -> Boolean.TRUE.equals(a.result())));
      return null;
    });
  }

  private void ask(Member checker, Ownership group, Ownership before, int attempt, Consumer<Instance> up,
                   Promise<Boolean> answered) {
    JsonObject request = new JsonObject().put("registrars", group.toJson()).put("registrar", me.id()).put("watches", false);
    if (!before.isEmpty()) {
      request.put("before", before.toJson());
    }
    // in pages: after a crash, the instances a registrar takes over may be thousands
    PagedReplies.request(vertx, Addresses.instancesSnapshot(checker.id()), request, PagedReplies.DEFAULT_PAGE_SIZE, ASK)
      .onSuccess(reply -> {
        reply.getJsonArray("instances").forEach(i -> {
          Instance instance = Instance.fromJson((JsonObject) i);
          if (owns(instance)) {
            up.accept(instance);
          }
        });
        answered.tryComplete(true);
      })
      .onFailure(err -> {
        // its consumer may not be visible on this node yet; a checker that left is no longer asked
        if (!leaving && attempt < CATCH_UP_TRIES && checkers.current().member(checker.id()) != null
          && group.equals(registrars.current())) {
          vertx.setTimer(CATCH_UP_RETRY_MS, t -> ask(checker, group, before, attempt + 1, up, answered));
        } else {
          answered.tryComplete(checkers.current().member(checker.id()) == null); // a checker gone owes nothing
        }
      });
  }

  /**
   * Asks every checker about what this registrar holds: each held instance's checker, when ready,
   * whether it still reports it up (those it owns and reports down, a container gone while no
   * checker watched, go to {@code down}); and every checker for the up instances this registrar
   * owns and does not hold (an "up" fact that never arrived: published before this registrar's
   * consumer reached the checker's node, or lost with a connection), which go to {@code unheld}.
   */
  public void verdicts(Collection<Instance> held, Consumer<Instance> down, Consumer<Instance> unheld) {
    Ownership checkerGroup = checkers.current();
    Ownership group = registrars.current();
    Map<String, JsonArray> byChecker = new HashMap<>();
    Map<String, Instance> byId = new HashMap<>();
    checkerGroup.members().forEach(m -> byChecker.put(m.id(), new JsonArray()));
    held.forEach(i -> {
      Member owner = checkerGroup.owner(i.hostId(), i.id());
      if (owner != null) {
        byId.put(i.id(), i);
        byChecker.get(owner.id()).add(new JsonObject().put("id", i.id()).put("hostId", i.hostId()));
      }
    });
    byChecker.forEach((checker, ids) -> vertx.eventBus().<JsonObject>request(Addresses.instancesSnapshot(checker),
      new JsonObject().put("ids", ids).put("registrars", group.toJson()).put("registrar", me.id()), ASK).onSuccess(reply -> {
        // an up is an up, ready or not; a checker not ready yet may not know a down for one
        reply.body().getJsonArray("unheld", new JsonArray()).forEach(i -> {
          Instance instance = Instance.fromJson((JsonObject) i);
          if (owns(instance)) {
            unheld.accept(instance);
          }
        });
        if (!reply.body().getBoolean("ready", false)) {
          return;
        }
        JsonObject verdicts = reply.body().getJsonObject("verdicts", new JsonObject());
        for (String id : verdicts.fieldNames()) {
          Instance instance = byId.get(id);
          if (instance != null && "down".equals(verdicts.getString(id)) && owns(instance)) {
            down.accept(instance);
          }
        }
      }));
  }

  /** Leaves the registrars' group (the others take over at once) and stops following both. Blocking. */
  public void close() {
    leaving = true;
    registrars.close();
    checkers.close();
  }
}
