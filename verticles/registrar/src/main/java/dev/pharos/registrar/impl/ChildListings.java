package dev.pharos.registrar.impl;

import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Listings of a service's registrations, one on its way per service at a time. A registration
 * lists its service to find the instance's other znodes; when a registrar takes over hundreds
 * of instances at once (a crashed node's), each would list the same service with hundreds of
 * children. Here the requests that arrive while a listing is on its way share the next one:
 * never the one already sent, which may predate what they must see, so each answer is at least
 * as fresh as its request. A burst of N registrations of one service costs about two listings,
 * not N. Used on its owner's context only.
 */
final class ChildListings {

  private final Function<String, Future<List<String>>> list;
  private final Map<String, Pending> byParent = new HashMap<>();

  private static final class Pending {
    /** The requests that came after the listing on its way was sent; null when none did. */
    private Promise<List<String>> next;
  }

  /** @param list the listing itself (ZooKeeper's getChildren), completing on the owner's context */
  ChildListings(Function<String, Future<List<String>>> list) {
    this.list = list;
  }

  /** The children of {@code parent}, as listed after this call. */
  Future<List<String>> of(String parent) {
    Pending pending = byParent.get(parent);
    if (pending == null) {
      pending = new Pending();
      byParent.put(parent, pending);
      return send(parent, pending);
    }
    if (pending.next == null) {
      pending.next = Promise.promise();
    }
    return pending.next.future();
  }

  private Future<List<String>> send(String parent, Pending pending) {
    return list.apply(parent).andThen(done -> {
      Promise<List<String>> waiting = pending.next;
      pending.next = null;
      if (waiting == null) {
        byParent.remove(parent);
      } else {
        send(parent, pending).onComplete(waiting);
      }
    });
  }

  /** Services with a listing on its way. */
  int inFlight() {
    return byParent.size();
  }
}
