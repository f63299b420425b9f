package dev.pharos.health.impl;

import dev.pharos.checks.CheckContext;
import dev.pharos.checks.CheckTarget;
import dev.pharos.checks.Probe;
import dev.pharos.model.Check;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;

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

  public Future<Result> run(Check check, Probe probe, CheckTarget target) {
    long started = System.nanoTime();
    Future<String> attempt;
    try {
      attempt = probe.run(context, target, check.timeoutMs());
    } catch (RuntimeException e) {
      attempt = Future.failedFuture(e);
    }
    return attempt.timeout(check.timeoutMs(), TimeUnit.MILLISECONDS)
      .transform(ar -> {
        long micros = (System.nanoTime() - started) / 1000;
        String result = ar.succeeded() ? "passed" : "failed";
        (ar.succeeded() ? passed : failed).computeIfAbsent(check.type(), type -> Timer.builder("pharos.checks")
            .description("health check runs by type and result").tags("type", check.type(), "result", result).register(meters))
          .record(micros, TimeUnit.MICROSECONDS);
        if (ar.succeeded()) {
          return Future.succeededFuture(new Result(true, ar.result(), micros));
        }
        String why = ar.cause().getMessage() == null ? ar.cause().getClass().getSimpleName() : ar.cause().getMessage();
        return Future.succeededFuture(new Result(false, why, micros));
      });
  }
}
