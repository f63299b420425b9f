package dev.pharos.registrar.impl;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A stopping registrar's wait for its registrations to be taken over: after it has left the
 * group, each new owner replaces its znode in one transaction, so the znode's disappearance is
 * the sign. Lists each service's registrations every {@link #POLL_MS} within a bound; what is left after it (no other
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
    // one listing per service, not one read per registration
    Map<String, Future<List<String>>> listings = new HashMap<>();
    left.forEach(path -> listings.computeIfAbsent(parent(path), reporter::children));
    Future.join(new ArrayList<>(listings.values())).onComplete(x -> {
      List<String> still = new ArrayList<>();
      for (String path : left) {
        Future<List<String>> listing = listings.get(parent(path));
        if (listing.failed() || listing.result().contains(path.substring(path.lastIndexOf('/') + 1))) {
          still.add(path);
        }
      }
      if (still.isEmpty() || System.currentTimeMillis() >= deadline) {
        done.complete(still);
      } else {
        vertx.setTimer(POLL_MS, t -> poll(still, deadline, done));
      }
    });
  }

  private static String parent(String path) {
    return path.substring(0, path.lastIndexOf('/'));
  }
}
