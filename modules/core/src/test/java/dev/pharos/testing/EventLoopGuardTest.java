package dev.pharos.testing;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder.request;

/** The guard fails a test whose handler waits on an event loop or computes on it too long, and no other. */
class EventLoopGuardTest {

  private static final long BLOCK_MS = 500;

  /** Blocks an event loop of {@code vertx} for {@link #BLOCK_MS} and returns once it is free. */
  private static void blockAnEventLoop(Vertx vertx) throws Exception {
    CompletableFuture<Void> done = new CompletableFuture<>();
    vertx.runOnContext(v -> {
      try {
        Thread.sleep(BLOCK_MS); // what a handler must never do
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      done.complete(null);
    });
    done.get(10, TimeUnit.SECONDS);
  }

  /** Run by the launcher below only: surefire leaves nested classes out. */
  @ExtendWith(EventLoopGuard.class)
  static class Guarded {

    @Test
    void blocks(Vertx vertx) throws Exception {
      blockAnEventLoop(vertx);
    }

    @Test
    void computesTooLong(Vertx vertx) throws Exception {
      CompletableFuture<Void> done = new CompletableFuture<>();
      vertx.runOnContext(v -> {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(BlockedThreadLog.COMPUTING_LIMIT_MS + BLOCK_MS);
        while (System.nanoTime() < until) {
          Thread.onSpinWait(); // busy: a handler computing, not waiting
        }
        done.complete(null);
      });
      done.get(10, TimeUnit.SECONDS);
    }

    @Test
    void doesNotBlock(Vertx vertx) throws Exception {
      vertx.runOnContext(v -> { }); // a handler that returns at once
      vertx.executeBlocking(() -> {
        Thread.sleep(BLOCK_MS); // blocking belongs on a worker
        return null;
      }).await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void failsTheTestsWhoseHandlersHoldTheLoopAndNoOther() {
    SummaryGeneratingListener listener = new SummaryGeneratingListener();
    LauncherFactory.create().execute(request().selectors(selectClass(Guarded.class)).build(), listener);
    TestExecutionSummary summary = listener.getSummary();
    assertEquals(3, summary.getTestsStartedCount());
    Map<String, Throwable> failures = new TreeMap<>();
    summary.getFailures().forEach(f -> failures.put(f.getTestIdentifier().getDisplayName(), f.getException()));
    assertEquals(List.of("blocks(Vertx)", "computesTooLong(Vertx)"), List.copyOf(failures.keySet()));
    assertTrue(failures.get("computesTooLong(Vertx)").getMessage().contains("lambda$computesTooLong"));
    String reason = failures.get("blocks(Vertx)").getMessage();
    assertTrue(reason.startsWith("an event loop was blocked"), reason);
    assertTrue(reason.contains("vert.x-eventloop-thread"), reason);
    assertTrue(reason.contains("EventLoopGuardTest.lambda$blockAnEventLoop"), "names the blocking code: " + reason);
  }

  @Test
  void theLogHearsVertxsChecker() throws Exception {
    Vertx vertx = EventLoopGuard.vertx();
    try (BlockedThreadLog log = new BlockedThreadLog()) {
      blockAnEventLoop(vertx);
      assertThrows(AssertionError.class, log::assertNoneBlocked);
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}
