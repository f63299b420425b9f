package dev.pharos.registrar.impl;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.List;

/**
 * A stopping registrar's wait for its registrations to be taken over: after it has left the
 * group, each new owner replaces its znode in one transaction, so the znode's disappearance is
 * the sign. Polls every {@link #POLL_MS} within a bound; what is left after it (no other
 * registrar, or one too slow) the stopping registrar deletes itself.
 */
public final class Handover {

  static final long POLL_MS = 50;

  private final Vertx vertx;
  private final NerveZooKeeperReporter reporter;
  private final long timeoutMs;

  public Handover(Vertx vertx, NerveZooKeeperReporter reporter, long timeoutMs) {
    this.vertx = vertx;
    this.reporter = reporter;
    this.timeoutMs = timeoutMs;
  }

  /** @return the paths still there when the wait ended: all of them at once when nobody can take over */
  public Future<List<String>> await(List<String> paths, boolean othersLive) {
    if (!othersLive || paths.isEmpty()) {
      return Future.succeededFuture(paths);
    }
    Promise<List<String>> done = Promise.promise();
    poll(new ArrayList<>(paths), System.currentTimeMillis() + timeoutMs, done);
    return done.future();
  }

  private void poll(List<String> left, long deadline, Promise<List<String>> done) {
    List<Future<Boolean>> checks = new ArrayList<>();
    left.forEach(path -> checks.add(reporter.stat(path).map(stat -> stat != null).otherwise(true)));
    Future.join(checks).onComplete(x -> {
      List<String> still = new ArrayList<>();
      for (int i = 0; i < left.size(); i++) {
        if (checks.get(i).result()) {
          still.add(left.get(i));
        }
      }
      if (still.isEmpty() || System.currentTimeMillis() >= deadline) {
        done.complete(still);
      } else {
        vertx.setTimer(POLL_MS, t -> poll(still, deadline, done));
      }
    });
  }
}
