package dev.pharos.health.impl;

import dev.pharos.checks.CheckClock;
import dev.pharos.checks.CheckContext;
import dev.pharos.checks.CheckTarget;
import dev.pharos.checks.Probe;
import dev.pharos.model.Check;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Runs one prepared check once within its deadline and records it: no thread per check, the
 * probes run on Vert.x's non-blocking clients (see {@code dev.pharos.checks.CheckTypes}).
 */
public final class CheckRunner {

  /** What one run found: passed or not, why, and how long it took. */
  public record Result(boolean passed, String detail, long micros) {
  }

  private final CheckContext context;
  private final MeterRegistry meters;
  /** By result, then type: looked up once, not registered again (nor a key built) on every run. */
  private final Map<String, Timer> passed = new ConcurrentHashMap<>();
  private final Map<String, Timer> failed = new ConcurrentHashMap<>();

  /** @param meters gets {@code pharos.checks} (type, result): each run's duration */
  public CheckRunner(CheckContext context, MeterRegistry meters) {
    this.context = context;
    this.meters = meters;
  }

  public CheckContext context() {
    return context;
  }

  /**
   * Runs the probe once; the result says "timed out" when the check's timeout passes first. The
   * deadline is a timer of the checker's clock (see {@link CheckContext#later}), and none at all
   * when the probe is done before it returns (a tcp check of a local port).
   */
  public Future<Result> run(Check check, Probe probe, CheckTarget target) {
    long started = System.nanoTime();
    Future<String> attempt;
    try {
      attempt = probe.run(context, target, check.timeoutMs());
    } catch (RuntimeException e) {
      attempt = Future.failedFuture(e);
    }
    if (attempt.isComplete()) {
      return Future.succeededFuture(result(check, started, attempt.succeeded(), attempt.result(), attempt.cause()));
    }
    Promise<Result> outcome = Promise.promise();
    // a tick after the check's own timeout: a probe bounded by the same timeout decides first
    // (a native probe looks at its socket before it says "timed out")
    Runnable cancel = context.later(check.timeoutMs() + CheckClock.TICK_MS, () -> outcome.tryComplete(
      result(check, started, false, null, new io.vertx.core.impl.NoStackTraceTimeoutException(
        "timed out after " + check.timeoutMs() + " ms"))));
    attempt.onComplete((detail, cause) -> {
      cancel.run();
      if (!outcome.future().isComplete()) {
        outcome.complete(result(check, started, cause == null, detail, cause));
      }
    });
    return outcome.future();
  }

  private Result result(Check check, long started, boolean ok, String detail, Throwable cause) {
    long micros = (System.nanoTime() - started) / 1000;
    Map<String, Timer> timers = ok ? passed : failed;
    Timer timer = timers.get(check.type());
    if (timer == null) {
      String result = ok ? "passed" : "failed";
      timer = timers.computeIfAbsent(check.type(), type -> Timer.builder("pharos.checks")
        .description("health check runs by type and result").tags("type", type, "result", result).register(meters));
    }
    timer.record(micros, TimeUnit.MICROSECONDS);
    if (ok) {
      return new Result(true, detail, micros);
    }
    String why = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    return new Result(false, why, micros);
  }
}
