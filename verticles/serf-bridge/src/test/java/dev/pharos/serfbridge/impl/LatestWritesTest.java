package dev.pharos.serfbridge.impl;

import dev.pharos.testing.EventLoopGuard;
import dev.pharos.stage.StageStatus;
import dev.pharos.testing.Await;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(EventLoopGuard.class)
class LatestWritesTest {

  /** Runs {@code action} on {@code context} and hands back what it returns. */
  private static <T> T on(Context context, Supplier<T> action) throws Exception {
    return Future.<T>future(p -> context.runOnContext(v -> p.complete(action.get()))).await(10, TimeUnit.SECONDS);
  }

  private static boolean problem(StageStatus status, String subject, String reasonPart) {
    return status.toJson().getJsonArray("problems").stream().map(JsonObject.class::cast)
      .anyMatch(p -> p.getString("subject").equals(subject) && p.getString("reason").contains(reasonPart));
  }

  @Test
  void aKeysWritesRunOneAtATimeAndTheNewestWins(Vertx vertx) throws Exception {
    Context context = vertx.getOrCreateContext();
    LatestWrites writes = new LatestWrites(vertx, new StageStatus("test", "n"), 10, 10, 100);
    List<Long> ran = new CopyOnWriteArrayList<>();
    CountDownLatch release = new CountDownLatch(1);
    AtomicLong onDisk = new AtomicLong();
    Future<Long> v12 = on(context, () -> writes.submit("f", 12, () -> {
      release.await();
      ran.add(12L);
      onDisk.set(12);
      return 12L;
    }));
    Future<Long> v13 = on(context, () -> writes.submit("f", 13, () -> {
      ran.add(13L);
      onDisk.set(13);
      return 13L;
    }));
    Future<Long> v14 = on(context, () -> writes.submit("f", 14, () -> {
      ran.add(14L);
      onDisk.set(14);
      return 14L;
    }));
    Future<Long> late12 = on(context, () -> writes.submit("f", 12, () -> {
      ran.add(-12L);
      return -12L;
    }));
    assertNull(late12.await(10, TimeUnit.SECONDS), "older than a version already submitted: never run");
    release.countDown();
    assertEquals(12L, v12.await(10, TimeUnit.SECONDS));
    assertNull(v13.await(10, TimeUnit.SECONDS), "replaced while it waited by v14");
    assertEquals(14L, v14.await(10, TimeUnit.SECONDS));
    assertEquals(List.of(12L, 14L), ran, "one at a time, in order, the waiting one replaced by the newer");
    assertEquals(14, onDisk.get());
  }

  @Test
  void aFailedWriteIsReportedKeptAndRetriedUntilItSucceeds(Vertx vertx) throws Exception {
    Context context = vertx.getOrCreateContext();
    StageStatus status = new StageStatus("test", "n");
    LatestWrites writes = new LatestWrites(vertx, status, 10, 10, 50);
    AtomicBoolean diskFull = new AtomicBoolean(true);
    AtomicLong onDisk = new AtomicLong();
    Future<Object> first = on(context, () -> writes.submit("/data/p/k.json", 5, () -> {
      if (diskFull.get()) {
        throw new IOException("cannot write /data/p/k.json: No space left on device");
      }
      onDisk.set(5);
      return "stored";
    }));
    Throwable failed = first.transform(ar -> Future.succeededFuture(ar.cause())).await(10, TimeUnit.SECONDS);
    assertTrue(failed != null && failed.getMessage().contains("No space left"), "the caller hears of the failure");
    Await.until("the problem reported with the path", () -> problem(status, LatestWrites.subject("/data/p/k.json"),
      "cannot write /data/p/k.json: No space left on device; v5 kept"));
    diskFull.set(false);
    Await.until("the kept version written by a retry", () -> onDisk.get() == 5);
    Await.until("the problem cleared", () -> status.toJson().getJsonArray("problems").isEmpty());
  }

  @Test
  void writesForMoreKeysThanTheBoundAreRefusedClearly(Vertx vertx) throws Exception {
    Context context = vertx.getOrCreateContext();
    LatestWrites writes = new LatestWrites(vertx, new StageStatus("test", "n"), 1, 10, 100);
    CountDownLatch release = new CountDownLatch(1);
    Future<Object> a = on(context, () -> writes.submit("a", 1, () -> {
      release.await();
      return "a";
    }));
    Future<Object> b = on(context, () -> writes.submit("b", 1, () -> "b"));
    assertTrue(b.failed() && b.cause().getMessage().contains("1 files already have writes pending; b v1 refused"), String.valueOf(b.cause()));
    release.countDown();
    assertEquals("a", a.await(10, TimeUnit.SECONDS));
    Future<Object> again = on(context, () -> writes.submit("b", 2, () -> "b"));
    assertEquals("b", again.await(10, TimeUnit.SECONDS), "the slot is free once a's write is done");
  }
}
