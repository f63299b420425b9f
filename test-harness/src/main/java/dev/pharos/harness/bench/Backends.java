package dev.pharos.harness.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The synthetic containers' backends: one HTTP server per container, on its host's loopback
 * address (Linux routes all of 127.0.0.0/8 to lo) and a port of its own, counting the requests
 * it gets, so the checks each instance receives are counted where they land.
 */
final class Backends {

  /** More than any run needs: slots are numbered up front so counting needs no lock. */
  private final AtomicLongArray requests;
  private final Vertx vertx;
  private final List<HttpServer> servers = new ArrayList<>();

  Backends(Vertx vertx, int capacity) {
    this.vertx = vertx;
    this.requests = new AtomicLongArray(capacity);
  }

  /** Binds {@code addresses.size()} servers, the i-th on {@code addresses.get(i)}; their slots are returned in order. */
  synchronized List<Slot> bind(List<String> addresses) throws Exception {
    List<Slot> slots = new ArrayList<>();
    // in batches: thousands of listens at once only queue up on the event loops
    for (int from = 0; from < addresses.size(); from += 200) {
      List<Future<HttpServer>> listening = new ArrayList<>();
      List<Integer> indexes = new ArrayList<>();
      for (String address : addresses.subList(from, Math.min(addresses.size(), from + 200))) {
        int index = servers.size() + listening.size();
        if (index >= requests.length()) {
          throw new IllegalStateException("more backends than the " + requests.length() + " planned");
        }
        indexes.add(index);
        listening.add(vertx.createHttpServer()
          .requestHandler(req -> {
            requests.incrementAndGet(index);
            req.response().end("ok");
          })
          .listen(0, address));
      }
      Future.all(listening).await(30, TimeUnit.SECONDS);
      for (int i = 0; i < listening.size(); i++) {
        HttpServer server = listening.get(i).result();
        servers.add(server);
        slots.add(new Slot(indexes.get(i), addresses.get(from + i), server.actualPort()));
      }
    }
    return slots;
  }

  /** Requests received so far, by slot. */
  long[] counts() {
    long[] counts = new long[requests.length()];
    for (int i = 0; i < counts.length; i++) {
      counts[i] = requests.get(i);
    }
    return counts;
  }

  /** One backend: where it listens, and its index in {@link #counts()}. */
  record Slot(int index, String address, int port) {
  }
}
