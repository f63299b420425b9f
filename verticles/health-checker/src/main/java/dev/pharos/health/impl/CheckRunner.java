package dev.pharos.health.impl;

import dev.pharos.model.Check;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.NetClient;

import java.util.concurrent.TimeUnit;

/**
 * Runs one check once on Vert.x's non-blocking clients: no thread per check. Nerve's semantics:
 * an http check passes on a 2xx or 3xx answer (containing {@code expect} when set) within the
 * timeout, a tcp check when the connection opens within the timeout.
 */
public final class CheckRunner {

  /** What one run found: passed or not, why, and how long it took. */
  public record Result(boolean passed, String detail, long micros) {
  }

  private final HttpClient http;
  private final NetClient tcp;
  private final MeterRegistry meters;
  /** By type and result: looked up once, not registered again on every run. */
  private final java.util.Map<String, Timer> timers = new java.util.concurrent.ConcurrentHashMap<>();

  /** @param meters gets {@code pharos.checks} (type, result): each run's duration */
  public CheckRunner(HttpClient http, NetClient tcp, MeterRegistry meters) {
    this.http = http;
    this.tcp = tcp;
    this.meters = meters;
  }

  public Future<Result> run(Check check, String host, int port) {
    long started = System.nanoTime();
    Future<String> attempt = Check.HTTP.equals(check.type()) ? http(check, host, port) : tcp(host, port);
    return attempt.timeout(check.timeoutMs(), TimeUnit.MILLISECONDS)
      .transform(ar -> {
        long micros = (System.nanoTime() - started) / 1000;
        String result = ar.succeeded() ? "passed" : "failed";
        timers.computeIfAbsent(check.type() + "/" + result, k -> Timer.builder("pharos.checks")
            .description("health check runs by type and result").tags("type", check.type(), "result", result).register(meters))
          .record(micros, TimeUnit.MICROSECONDS);
        if (ar.succeeded()) {
          return Future.succeededFuture(new Result(true, ar.result(), micros));
        }
        String why = ar.cause().getMessage() == null ? ar.cause().getClass().getSimpleName() : ar.cause().getMessage();
        return Future.succeededFuture(new Result(false, why, micros));
      });
  }

  private Future<String> http(Check check, String host, int port) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost(host).setPort(port)
      .setURI(check.uri()).setConnectTimeout(check.timeoutMs()).setIdleTimeout(check.timeoutMs())
      .setTimeout(check.timeoutMs());
    return http.request(options)
      .compose(req -> req.send())
      .compose(resp -> resp.body().compose(body -> {
        int code = resp.statusCode();
        if (code < 200 || code >= 400) {
          return Future.failedFuture("http " + code);
        }
        if (check.expect() != null && !body.toString().contains(check.expect())) {
          return Future.failedFuture("http " + code + " without the expected text");
        }
        return Future.succeededFuture("http " + code);
      }));
  }

  private Future<String> tcp(String host, int port) {
    return tcp.connect(port, host).compose(socket -> socket.close().map("connected"));
  }
}
