package dev.pharos.harness.bench;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code count} clients of a node's {@code GET /v1/changes} in this process, each its own HTTP
 * connection (Vert.x's HttpClient, one pool slot per client): every event each client reads is
 * timed on arrival ({@code System.nanoTime()}), by its type and {@code uri}.
 */
final class SseClients implements AutoCloseable {

  private final Vertx vertx = Vertx.vertx();
  private final HttpClient client;
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicInteger failed = new AtomicInteger();
  /** Arrival times of each event ("type uri"), one per client that read it. */
  private final Map<String, Queue<Long>> arrivals = new ConcurrentHashMap<>();

  SseClients(int count) {
    client = vertx.httpClientBuilder().with(new HttpClientOptions().setKeepAlive(true).setIdleTimeout(0))
      .with(new PoolOptions().setHttp1MaxSize(count).setMaxWaitQueueSize(-1)).build();
  }

  /** Opens {@code count} streams of {@code api}{@code path}; waits until each has its 200, up to {@code timeout}. */
  void connect(String api, String path, int count, Duration timeout) throws Exception {
    java.net.URI uri = java.net.URI.create(api);
    for (int i = 0; i < count; i++) {
      RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost(uri.getHost()).setPort(uri.getPort())
        .setURI(path).setIdleTimeout(0);
      client.request(options).compose(req -> req.send()).onSuccess(response -> {
        if (response.statusCode() != 200) {
          failed.incrementAndGet();
          return;
        }
        open.incrementAndGet();
        StringBuilder pending = new StringBuilder();
        response.handler(chunk -> {
          long now = System.nanoTime();
          pending.append(chunk.toString());
          int end;
          while ((end = pending.indexOf("\n\n")) >= 0) {
            String frame = pending.substring(0, end);
            pending.delete(0, end + 2);
            record(frame, now);
          }
        });
        response.endHandler(v -> open.decrementAndGet());
        response.exceptionHandler(err -> open.decrementAndGet());
      }).onFailure(err -> failed.incrementAndGet());
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    while (open.get() + failed.get() < count) {
      if (System.nanoTime() > deadline) {
        break;
      }
      Thread.sleep(20);
    }
    if (open.get() < count) {
      throw new IllegalStateException(open.get() + " of " + count + " SSE clients connected (" + failed.get() + " failed) within "
        + timeout);
    }
  }

  private void record(String frame, long now) {
    String type = null;
    String data = null;
    for (String line : frame.split("\n")) {
      if (line.startsWith("event: ")) {
        type = line.substring(7);
      } else if (line.startsWith("data: ")) {
        data = line.substring(6);
      }
    }
    if (type != null && data != null) {
      String uri = new JsonObject(data).getString("uri");
      arrivals.computeIfAbsent(type + " " + uri, k -> new ConcurrentLinkedQueue<>()).add(now);
    }
  }

  int open() {
    return open.get();
  }

  /**
   * The arrivals of event {@code key}, once {@code expected} clients have it or {@code timeout}
   * has passed (fewer then: a client that missed it).
   */
  List<Long> await(String key, int expected, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      Queue<Long> q = arrivals.get(key);
      if (q != null && q.size() >= expected) {
        break;
      }
      Thread.sleep(2);
    }
    Queue<Long> q = arrivals.remove(key);
    return q == null ? List.of() : List.copyOf(q);
  }

  @Override
  public void close() throws Exception {
    client.close().await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }
}
