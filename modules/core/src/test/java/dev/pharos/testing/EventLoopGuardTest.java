package dev.pharos.testing;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder.request;

/** The guard fails a test whose handler blocks an event loop, and only such a test. */
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
    void doesNotBlock(Vertx vertx) throws Exception {
      vertx.runOnContext(v -> { }); // a handler that returns at once
      vertx.executeBlocking(() -> {
        Thread.sleep(BLOCK_MS); // blocking belongs on a worker
        return null;
      }).await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void failsTheTestWhoseHandlerBlocksAndNoOther() {
    SummaryGeneratingListener listener = new SummaryGeneratingListener();
    LauncherFactory.create().execute(request().selectors(selectClass(Guarded.class)).build(), listener);
    TestExecutionSummary summary = listener.getSummary();
    assertEquals(2, summary.getTestsStartedCount());
    List<TestExecutionSummary.Failure> failures = summary.getFailures();
    assertEquals(1, failures.size(), failures.toString());
    assertEquals("blocks(Vertx)", failures.get(0).getTestIdentifier().getDisplayName());
    String reason = failures.get(0).getException().getMessage();
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
