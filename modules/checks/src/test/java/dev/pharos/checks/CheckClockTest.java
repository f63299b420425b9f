package dev.pharos.checks;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The checker's timer wheel: never early, cancelled timers never fire, timers scheduled as others fire. */
class CheckClockTest {

  private Vertx vertx;
  private Context context;
  private CheckClock clock;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    context = vertx.getOrCreateContext();
    clock = on(() -> new CheckClock((ContextInternal) context));
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private <T> T on(java.util.concurrent.Callable<T> task) throws Exception {
    CompletableFuture<T> result = new CompletableFuture<>();
    context.runOnContext(v -> {
      try {
        result.complete(task.call());
      } catch (Exception e) {
        result.completeExceptionally(e);
      }
    });
    return result.get(10, TimeUnit.SECONDS);
  }

  @Test
  void timersFireOnTheirContextNeverEarlyAndCancelledOnesNot() throws Exception {
    List<String> fired = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> last = new CompletableFuture<>();
    on(() -> {
      assertTrue(clock.onContext());
      for (long delay : new long[] {0, 3, 7, 40, 300}) {
        long scheduled = System.nanoTime();
        clock.schedule(delay, () -> {
          long waited = (System.nanoTime() - scheduled) / 1_000_000;
          fired.add(delay + (waited >= delay && Vertx.currentContext() == context ? " on time" : " early after " + waited));
        });
      }
      CheckClock.Timer cancelled = clock.schedule(20, () -> fired.add("cancelled"));
      clock.schedule(10, cancelled::cancel);
      clock.schedule(600, () -> last.complete(null));
      return null;
    });
    last.get(10, TimeUnit.SECONDS);
    assertEquals(List.of("0 on time", "3 on time", "7 on time", "40 on time", "300 on time"), fired.stream().sorted(
      (a, b) -> Long.compare(Long.parseLong(a.split(" ")[0]), Long.parseLong(b.split(" ")[0]))).toList());
    assertEquals(0, (int) on(clock::size), "nothing left on the wheel");
  }

  @Test
  void aDuplicateOfTheContextIsTheClocksToo() throws Exception {
    // Vert.x runs bus handlers and timers on duplicates of a verticle's context
    CompletableFuture<Boolean> onIt = new CompletableFuture<>();
    ((ContextInternal) context).duplicate().runOnContext(v -> onIt.complete(clock.onContext()));
    assertTrue(onIt.get(10, TimeUnit.SECONDS));
    CompletableFuture<Boolean> elsewhere = new CompletableFuture<>();
    vertx.getOrCreateContext().runOnContext(v -> elsewhere.complete(clock.onContext()));
    org.junit.jupiter.api.Assertions.assertFalse(elsewhere.get(10, TimeUnit.SECONDS), "another context is not");
  }

  @Test
  void aFiringTimerSchedulesTheNextOneBeyondATurnOfTheWheel() throws Exception {
    CompletableFuture<Integer> rounds = new CompletableFuture<>();
    on(() -> {
      int[] n = {0};
      Runnable[] round = new Runnable[1];
      round[0] = () -> {
        if (++n[0] == 3) {
          rounds.complete(n[0]);
        } else {
          // a whole turn of the wheel and more: the timer lands in a slot it must pass over once
          clock.schedule(CheckClock.TICK_MS * 512 + 10, round[0]);
        }
      };
      clock.schedule(1, round[0]);
      return null;
    });
    assertEquals(3, rounds.get(20, TimeUnit.SECONDS));
  }
}
