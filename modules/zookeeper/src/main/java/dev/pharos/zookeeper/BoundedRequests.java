package dev.pharos.zookeeper;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Supplier;

/**
 * At most a bound of asynchronous requests in flight; the others wait their turn in order. Used on
 * one context: each waiting request starts as a task of its own there, so no stack grows with the
 * queue.
 */
final class BoundedRequests {

  private final Context context;
  private final int bound;
  private final Deque<Runnable> waiting = new ArrayDeque<>();
  private int inFlight;
  private int mostInFlight;

  BoundedRequests(Context context, int bound) {
    this.context = context;
    this.bound = Math.max(1, bound);
  }

  /** Sends {@code request} now when fewer than the bound are in flight, else when one completes. */
  <T> Future<T> send(Supplier<Future<T>> request) {
    Promise<T> done = Promise.promise();
    Runnable run = () -> {
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      request.get().onComplete(result -> {
        inFlight--;
        Runnable next = waiting.poll();
        if (next != null) {
          context.runOnContext(v -> next.run());
        }
        done.handle(result);
      });
    };
    if (inFlight < bound) {
      run.run();
    } else {
      waiting.add(run);
    }
    return done.future();
  }

  /** Drops the requests not yet sent: their futures never complete (their caller gave them up). */
  void dropWaiting() {
    waiting.clear();
  }

  /** The most requests that were in flight at once. */
  int mostInFlight() {
    return mostInFlight;
  }
}
