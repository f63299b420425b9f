package dev.pharos.serfbridge.impl;

import dev.pharos.stage.Backoff;
import dev.pharos.stage.StageStatus;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Blocking file writes on Vert.x's worker pool, one at a time per key (a file, or a set of files
 * rendered together), the newest version winning: a write waits for the key's running write, a
 * newer version replaces the one waiting (so at most one runs and one waits per key), and a
 * version older than one already submitted for the key is never run. Unordered workers could
 * finish v12 after v13 and leave v12 on disk.
 *
 * <p>A failed write (a full disk) is reported as a problem named after the key, with the path in
 * the reason, and kept: it is tried again with backoff until it or a newer version is written,
 * which clears the problem. Call from one context only (the owning verticle's).
 */
public final class LatestWrites {

  private final class Slot {
    final String key;
    final Backoff backoff;
    long newest = Long.MIN_VALUE;
    Job waiting;
    boolean busy;

    Slot(String key) {
      this.key = key;
      this.backoff = new Backoff(retryMinMs, retryMaxMs);
    }
  }

  private record Job(long version, Callable<?> write, Promise<Object> result) {
  }

  private final Vertx vertx;
  private final StageStatus status;
  private final int maxKeys;
  private final long retryMinMs;
  private final long retryMaxMs;
  private final Map<String, Slot> slots = new HashMap<>();
  private boolean closed;

  /**
   * @param maxKeys keys with a write running or waiting at once; a write for one more is refused
   */
  public LatestWrites(Vertx vertx, StageStatus status, int maxKeys, long retryMinMs, long retryMaxMs) {
    this.vertx = vertx;
    this.status = status;
    this.maxKeys = maxKeys;
    this.retryMinMs = retryMinMs;
    this.retryMaxMs = retryMaxMs;
  }

  /** The status subject a key's write problem is reported under. */
  public static String subject(String key) {
    return "write " + key;
  }

  /**
   * Runs {@code write} for {@code key} after the key's earlier writes. Completes with its result,
   * with null when a newer version of the key came first (it is not run then), or fails with its
   * first failure (it is kept and retried all the same).
   */
  @SuppressWarnings("unchecked")
  public <T> Future<T> submit(String key, long version, Callable<T> write) {
    Slot slot = slots.get(key);
    if (slot == null) {
      if (closed || slots.size() >= maxKeys) {
        return Future.failedFuture(closed ? "stopping: " + key + " v" + version + " not written"
          : maxKeys + " files already have writes pending; " + key + " v" + version + " refused");
      }
      slot = new Slot(key);
      slots.put(key, slot);
    }
    if (version < slot.newest) {
      return Future.succeededFuture(); // older than what the key holds or will hold
    }
    slot.newest = version;
    Job job = new Job(version, write, Promise.promise());
    if (slot.waiting != null) {
      slot.waiting.result().tryComplete(null); // superseded before it ran
    }
    slot.waiting = job;
    if (!slot.busy) {
      run(slot);
    }
    return (Future<T>) job.result().future();
  }

  private void run(Slot slot) {
    Job job = slot.waiting;
    slot.waiting = null;
    if (job == null || closed) {
      slots.remove(slot.key);
      return;
    }
    slot.busy = true;
    // ordered=false: this class orders a key's writes itself, and other keys need not wait
    vertx.executeBlocking(job.write(), false).onComplete(ar -> {
      if (ar.succeeded()) {
        slot.backoff.reset();
        status.clear(subject(slot.key));
        job.result().tryComplete(ar.result());
        slot.busy = false;
        run(slot);
        return;
      }
      job.result().tryFail(ar.cause());
      if (slot.waiting == null) {
        // nothing newer came: keep this version, with a promise of its own (the first one told the caller)
        slot.waiting = new Job(job.version(), job.write(), Promise.promise());
      }
      long delay = slot.backoff.next();
      status.problem(subject(slot.key), ar.cause().getMessage() + "; v" + slot.waiting.version() + " kept, retrying with backoff");
      vertx.setTimer(delay, t -> {
        slot.busy = false;
        run(slot);
      });
    });
  }

  /** Drops what waits; a running write finishes. */
  public void close() {
    closed = true;
    slots.values().forEach(slot -> {
      if (slot.waiting != null) {
        slot.waiting.result().tryFail("stopping: " + slot.key + " v" + slot.waiting.version() + " not written");
      }
    });
  }
}
