package dev.pharos.harness.bench;

import dev.pharos.harness.Harness;
import dev.pharos.launcher.Pharos;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Nesoi's API under load, on one Pharos node (api and webhooks stages, the harness's
 * ZooKeeper): {@code GET /srv/NAME} of a 100-host service driven by {@code wrk}, and the time
 * from a {@code PUT /app/NAME} to its arrival at 1,000 SSE clients of {@code /v1/changes}, then,
 * apart, at 100 web-hook receivers. The clients and receivers run in this process, on their own Vertx.
 * {@code NesoiBench [wrk seconds (10)] [PUTs (20)]}
 */
public final class NesoiBench {

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    int puts = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    int sseClients = 1000;
    int receivers = 100;
    try (Harness harness = new Harness()) {
      Pharos node = harness.start(harness.conf("nesoi-bench", new JsonObject()
        .put("metrics", new JsonObject().put("enabled", Boolean.parseBoolean(System.getProperty("bench.metrics", "true"))))
        .put("verticles", new JsonObject().put("api", new JsonObject()).put("webhooks", new JsonObject()))));
      String api = Harness.api(node);
      Vertx clients = Vertx.vertx();
      try {
        HttpClient http = clients.createHttpClient(new HttpClientOptions().setKeepAlive(true),
          new PoolOptions().setHttp1MaxSize(sseClients + 50));
        for (int i = 0; i < 100; i++) {
          send(http, HttpMethod.PUT, api + "/srv/bench/host" + i, new JsonObject().put("name", "host" + i)
            .put("endpoints", new JsonObject().put("http", "http://10.0.0." + i + ":8080/")));
        }
        String[] wrk = wrk(api + "/srv/bench", seconds);

        long[] sent = new long[puts];
        long[] hookSent = new long[puts];
        ConcurrentLinkedQueue<Long> sseLatencies = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Long> hookLatencies = new ConcurrentLinkedQueue<>();
        send(http, HttpMethod.PUT, api + "/app/fan", new JsonObject().put("name", "fan").put("config", new JsonObject().put("seq", -1)));
        send(http, HttpMethod.PUT, api + "/app/hooked", new JsonObject().put("name", "hooked").put("config", new JsonObject()));
        for (int r = 0; r < receivers; r++) {
          int[] count = {0};
          HttpServer server = clients.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
            long now = System.nanoTime();
            int k = count[0]++;
            if (k < puts && hookSent[k] != 0) {
              hookLatencies.add(now - hookSent[k]);
            }
            req.response().end();
          })).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
          send(http, HttpMethod.POST, api + "/app/hooked/web-hooks", new JsonObject().put("name", "r" + r)
            .put("endpoint", "http://127.0.0.1:" + server.actualPort() + "/"));
        }
        List<Future<?>> streams = new ArrayList<>();
        URI changes = URI.create(api + "/v1/changes?prefix=/app/fan");
        for (int c = 0; c < sseClients; c++) {
          streams.add(http.request(new RequestOptions().setHost(changes.getHost()).setPort(changes.getPort())
              .setURI(changes.getRawPath() + "?" + changes.getRawQuery()))
            .compose(req -> req.send()).onSuccess(resp -> resp.handler(chunk -> {
              long now = System.nanoTime();
              String text = chunk.toString(StandardCharsets.UTF_8);
              // each event's data holds its app's config, {"seq":k}
              for (int at = text.indexOf("\"seq\":"); at >= 0; at = text.indexOf("\"seq\":", at + 6)) {
                int end = at + 6;
                while (end < text.length() && (Character.isDigit(text.charAt(end)) || text.charAt(end) == '-')) {
                  end++;
                }
                int k = Integer.parseInt(text.substring(at + 6, end));
                if (k >= 0 && k < puts) {
                  sseLatencies.add(now - sent[k]);
                }
              }
            })));
        }
        Future.all(streams).await(60, TimeUnit.SECONDS);
        Thread.sleep(2000); // every stream registered, the hooks' queues idle
        // the two fan-outs are measured apart, so neither pays for the other's burst
        for (int k = 0; k < puts; k++) {
          sent[k] = System.nanoTime();
          send(http, HttpMethod.PUT, api + "/app/fan", new JsonObject().put("name", "fan").put("config", new JsonObject().put("seq", k)));
          Thread.sleep(250);
        }
        awaitCount(sseLatencies, (long) puts * sseClients);
        http.close().await(30, TimeUnit.SECONDS); // the SSE clients go
        HttpClient writer = clients.createHttpClient();
        for (int k = 0; k < puts; k++) {
          hookSent[k] = System.nanoTime();
          send(writer, HttpMethod.PUT, api + "/app/hooked", new JsonObject().put("name", "hooked").put("config", new JsonObject().put("seq", k)));
          Thread.sleep(250);
        }
        awaitCount(hookLatencies, (long) puts * receivers);
        String table = String.format(Locale.ROOT, """
          Nesoi API on one node (2 cores shared with wrk, the SSE clients and the receivers)

          | measure | figure |
          |---|---:|
          | `GET /srv/bench` (100 hosts), wrk 2 threads 64 connections %d s: requests/s | %s |
          | its latency p50 / p99 | %s / %s |
          | `PUT /app/fan` to %d SSE clients: p50 / p99 (ms), %d of %d events arrived | %s |
          | `PUT /app/hooked` to %d web-hook receivers: p50 / p99 (ms), %d of %d POSTs arrived | %s |
          """, seconds, wrk[0], wrk[1], wrk[2],
          sseClients, sseLatencies.size(), puts * sseClients, percentiles(sseLatencies),
          receivers, hookLatencies.size(), puts * receivers, percentiles(hookLatencies));
        BenchOutput.publish("nesoi", table);
      } finally {
        clients.close().await(30, TimeUnit.SECONDS);
      }
    }
  }

  private static void awaitCount(ConcurrentLinkedQueue<Long> samples, long expected) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (samples.size() < expected && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
  }

  private static void send(HttpClient http, HttpMethod method, String url, JsonObject body) throws Exception {
    URI uri = URI.create(url);
    String answer = http.request(new RequestOptions().setMethod(method).setHost(uri.getHost()).setPort(uri.getPort())
        .setURI(uri.getRawPath()).putHeader("Content-Type", "application/json"))
      .compose(req -> req.send(Buffer.buffer(body.encode())))
      .compose(resp -> resp.body().map(b -> resp.statusCode() + " " + b))
      .await(20, TimeUnit.SECONDS);
    if (!answer.startsWith("2")) {
      throw new IllegalStateException(method + " " + url + " answered " + answer);
    }
  }

  private static String percentiles(ConcurrentLinkedQueue<Long> nanos) {
    long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
    if (sorted.length == 0) {
      return "none";
    }
    return String.format(Locale.ROOT, "%.1f / %.1f", sorted[sorted.length / 2] / 1e6, sorted[(int) (sorted.length * 0.99)] / 1e6);
  }

  /** requests/s, p50 and p99 as wrk prints them. */
  private static String[] wrk(String url, int seconds) throws Exception {
    Process p = new ProcessBuilder("wrk", "-t2", "-c64", "-d" + seconds + "s", "--latency", url).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(seconds + 30L, TimeUnit.SECONDS);
    Matcher rps = Pattern.compile("Requests/sec:\\s+([0-9.]+)").matcher(output);
    Matcher p50 = Pattern.compile("^\\s*50%\\s+(\\S+)", Pattern.MULTILINE).matcher(output);
    Matcher p99 = Pattern.compile("^\\s*99%\\s+(\\S+)", Pattern.MULTILINE).matcher(output);
    if (!rps.find() || !p50.find() || !p99.find() || output.contains("Non-2xx")) {
      throw new IllegalStateException("wrk failed:\n" + output);
    }
    return new String[]{String.format(Locale.ROOT, "%.0f", Double.parseDouble(rps.group(1))), p50.group(1), p99.group(1)};
  }

}
