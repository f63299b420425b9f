package dev.pharos.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;

import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** {@code pharos.store.operations} (store, op, outcome): each write to ZooKeeper or etcd, timed. */
public final class StoreMeters {

  private final MeterRegistry meters;
  private final String store;
  /** By operation and outcome: looked up once, not registered again on every write. */
  private final java.util.Map<String, Timer> timers = new java.util.concurrent.ConcurrentHashMap<>();

  public StoreMeters(MeterRegistry meters, String store) {
    this.meters = meters;
    this.store = store;
  }

  /** Times a blocking store call. */
  public <T> T time(String op, Callable<T> call) throws Exception {
    long started = System.nanoTime();
    boolean ok = false;
    try {
      T result = call.call();
      ok = true;
      return result;
    } finally {
      record(op, ok, started);
    }
  }

  /** Times an asynchronous store call from its start to its completion. */
  public <T> Future<T> timeAsync(String op, Supplier<Future<T>> call) {
    long started = System.nanoTime();
    return call.get().andThen(ar -> record(op, ar.succeeded(), started));
  }

  private void record(String op, boolean ok, long startedNanos) {
    String outcome = ok ? "ok" : "failed";
    timers.computeIfAbsent(op + "/" + outcome, k -> Timer.builder("pharos.store.operations")
        .description("writes to the stores, by store, operation and outcome")
        .tags("store", store, "op", op, "outcome", outcome).register(meters))
      .record(System.nanoTime() - startedNanos, TimeUnit.NANOSECONDS);
  }
}
