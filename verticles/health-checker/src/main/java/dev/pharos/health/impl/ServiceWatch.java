package dev.pharos.health.impl;

import dev.pharos.checks.CheckTarget;
import dev.pharos.checks.CheckTypes;
import dev.pharos.checks.Probe;
import dev.pharos.model.Check;
import dev.pharos.model.Definition;
import dev.pharos.model.Instance;
import dev.pharos.model.InvalidDefinitionException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * Nerve's service watcher for one instance: every {@code check_interval} it runs all checks
 * at once; the instance is up when every check is up by its own rise/fall window. Rounds never
 * overlap: the next one is timed from the start of the last. Runs on its verticle's context.
 *
 * <p>Until some check has passed once, and for at most {@link #BOOT_PROBE_WINDOW_MS}, the
 * instance is still booting: it is probed every {@link #BOOT_PROBE_MS}, so a new container is
 * registered as soon as it answers rather than a whole interval later. Rise and fall count
 * the same either way.
 */
public final class ServiceWatch {

  private final Vertx vertx;
  private final CheckRunner runner;
  private final Instance instance;
  private final Definition definition;
  private final List<RiseFallWindow> windows = new ArrayList<>();
  private final List<Probe> probes = new ArrayList<>();
  private final List<CheckTarget> targets = new ArrayList<>();
  private final List<CheckRunner.Result> lastResults = new ArrayList<>();
  private final BiConsumer<ServiceWatch, String> onTransition;
  /** Taken over from another checker (or a restart): it may be registered and healthy already. */
  private final boolean adopted;
  private Boolean up;
  /** Cancels the next round's timer. */
  private Runnable cancelTimer = () -> { };
  private boolean stopped;
  private long rounds;
  /** When the next round is due (ms), 0 before the first is timed. */
  private long due;
  private boolean everPassed;
  private final long createdAt = System.currentTimeMillis();

  static final long BOOT_PROBE_MS = 10;
  static final long BOOT_PROBE_WINDOW_MS = 2000;

  /** {@code onTransition} gets the watch and a reason whenever {@link #up()} changes. */
  public ServiceWatch(Vertx vertx, CheckRunner runner, Instance instance, Definition definition,
                      BiConsumer<ServiceWatch, String> onTransition) {
    this(vertx, runner, instance, definition, onTransition, false);
  }

  /**
   * @param adopted the instance moved here from another checker, or this checker restarted: it
   *                may be registered and healthy. Its first round starts at a random point of
   *                its interval, so a checker that takes many over does not open them all at
   *                once, and a first failed round is confirmed by a second before it says "down"
   *                (a cold checker's first checks can time out).
   */
  public ServiceWatch(Vertx vertx, CheckRunner runner, Instance instance, Definition definition,
                      BiConsumer<ServiceWatch, String> onTransition, boolean adopted) {
    this.adopted = adopted;
    this.vertx = vertx;
    this.runner = runner;
    this.instance = instance;
    this.definition = definition;
    this.onTransition = onTransition;
    for (Check check : definition.checks()) {
      windows.add(new RiseFallWindow(check.rise(), check.fall()));
      lastResults.add(null);
      probes.add(probe(check));
      // Nerve's rule: a check's own host and port, else the instance's
      targets.add(new CheckTarget(check.host() != null ? check.host() : instance.host(),
        check.port() != null ? check.port() : instance.port(), instance));
    }
  }

  /** The definition was read with every type known; one from a newer node may name a type unknown here. */
  private static Probe probe(Check check) {
    try {
      return CheckTypes.standard().prepare(check);
    } catch (InvalidDefinitionException e) {
      String why = e.getMessage();
      return (context, target, timeoutMs) -> Future.failedFuture(why);
    }
  }

  public void start() {
    start(false);
  }

  /**
   * @param lastReportedUp an adopted instance's previous checker last reported it up: it is up
   *                       here from the start, as HAProxy keeps a server's state across a reload,
   *                       so a crashed checker's instances are registered again as soon as they
   *                       move rather than one round later; the first round confirms or refutes it
   *                       (a failure, confirmed by a second round, says "down")
   */
  public void start(boolean lastReportedUp) {
    if (adopted && lastReportedUp) {
      up = true;
      onTransition.accept(this, "taken over while reported up by its previous checker; checked within an interval");
    }
    if (adopted) {
      long spread = 1 + java.util.concurrent.ThreadLocalRandom.current().nextLong(Math.max(1, definition.checkIntervalMs()));
      cancelTimer = runner.context().later(spread, this::round);
    } else {
      round();
    }
  }

  public void stop() {
    stopped = true;
    cancelTimer.run();
  }

  public Instance instance() {
    return instance;
  }

  public Definition definition() {
    return definition;
  }

  /** Null before the first round completes. */
  public Boolean up() {
    return up;
  }

  private void round() {
    if (stopped) {
      return;
    }
    long started = System.currentTimeMillis();
    List<Future<CheckRunner.Result>> runs = new ArrayList<>();
    for (int i = 0; i < probes.size(); i++) {
      runs.add(runner.run(definition.checks().get(i), probes.get(i), targets.get(i)));
    }
    Future.join(runs).onComplete(done -> {
      if (stopped) {
        return;
      }
      rounds++;
      boolean allUp = true;
      String reason = "all checks pass";
      for (int i = 0; i < runs.size(); i++) {
        CheckRunner.Result result = runs.get(i).result();
        lastResults.set(i, result);
        everPassed |= result.passed();
        boolean checkUp = windows.get(i).record(result.passed());
        if (!checkUp && allUp) {
          allUp = false;
          Check check = definition.checks().get(i);
          reason = check.describe() + " down: " + result.detail();
        }
      }
      boolean unconfirmed = adopted && !allUp && rounds == 1;
      if (!unconfirmed && (up == null || up != allUp)) {
        up = allUp;
        onTransition.accept(this, reason);
      }
      long interval = definition.checkIntervalMs();
      boolean booting = !adopted && !everPassed && started - createdAt < BOOT_PROBE_WINDOW_MS;
      if (booting && interval > BOOT_PROBE_MS) {
        // a few ms each, off the clock, whose tick would make it half as long again
        cancelTimer = runner.context().exactly(BOOT_PROBE_MS, this::round);
        return;
      }
      // timed from when this round was due rather than from its start, which a timer's tick may
      // have made a few ms late: the lateness does not add up from round to round
      long base = due > 0 && started >= due && started - due < interval ? due : started;
      due = base + interval;
      long delay = Math.max(1, due - System.currentTimeMillis());
      // on the checker's clock: the rounds due within a tick start in one wake-up of its loop
      cancelTimer = runner.context().later(delay, this::round);
    });
  }

  public JsonObject toJson() {
    JsonArray checks = new JsonArray();
    for (int i = 0; i < windows.size(); i++) {
      CheckRunner.Result r = lastResults.get(i);
      RiseFallWindow w = windows.get(i);
      checks.add(definition.checks().get(i).toJson().put("up", w.up())
        .put("passesInARow", Math.max(w.streak(), 0)).put("failuresInARow", Math.max(-w.streak(), 0))
        .put("last", r == null ? null : new JsonObject().put("passed", r.passed()).put("detail", r.detail())
          .put("micros", r.micros())));
    }
    return new JsonObject().put("instance", instance.toJson()).put("up", up).put("rounds", rounds).put("checks", checks);
  }
}
