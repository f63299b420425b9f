package dev.pharos.testing;

import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * Polling for tests that watch real servers: waits until a condition holds. An exception from
 * the condition counts as "not yet" (a listener not up, a node not created) and is attached to
 * the failure if the time runs out.
 */
public final class Await {

  public static final Duration DEFAULT = Duration.ofSeconds(20);

  private Await() {
  }

  public static void until(String what, Callable<Boolean> condition) throws Exception {
    until(what, DEFAULT, condition);
  }

  public static void until(String what, Duration timeout, Callable<Boolean> condition) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    Exception last = null;
    while (System.nanoTime() < deadline) {
      try {
        if (condition.call()) {
          return;
        }
      } catch (Exception e) {
        last = e;
      }
      Thread.sleep(25);
    }
    throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting until " + what, last);
  }
}
