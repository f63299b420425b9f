package dev.pharos.harness.bench;

import dev.pharos.harness.Browser;
import dev.pharos.harness.Harness;
import dev.pharos.launcher.Pharos;
import io.vertx.core.json.JsonObject;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The dashboard under load, in Debian's headless chromium: a node with 1,000 instances (Nesoi
 * REST hosts over 20 services) takes 20 changes a second, each a new host; for each, the time
 * from its {@code PUT} to the frame that shows it in the page, next to the time the same change
 * takes to reach a plain {@code /v1/changes} SSE client in this process (the floor the page
 * follows), in the same run; and how long applying each change to the page takes (its
 * service's summary row, from the event).
 * {@code DashboardBench [seconds (30)] [changes per second (20)] [instances (1000)]}
 */
public final class DashboardBench {

  private static final int SERVICES = 20;

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 30;
    int rate = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    int instances = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    Path profile = Files.createTempDirectory("pharos-bench-chromium");
    try (Harness harness = new Harness()) {
      Pharos node = harness.start(harness.conf("dashboard-bench", new JsonObject()));
      String api = Harness.api(node);
      for (int i = 0; i < instances; i++) {
        put(http, api, "svc" + (i % SERVICES), "host" + i);
      }
      int changes = seconds * rate;
      long[] sent = new long[changes];
      Map<Integer, Long> atStream = new ConcurrentHashMap<>();
      Thread stream = follow(http, api, sent, atStream);

      ChromeDriver browser = Browser.start(profile, 1280, 900);
      try {
        browser.get(api + "/ui/");
        new WebDriverWait(browser, Duration.ofSeconds(60)).until(d -> d.findElement(By.id("counts")).getText()
          .contains(instances + " instances"));
        new WebDriverWait(browser, Duration.ofSeconds(20)).until(d -> "live".equals(d.findElement(By.id("live")).getText()));
        browser.executeScript("window.pharos.renderMs.length = 0;");
        long start = System.nanoTime();
        for (int k = 0; k < changes; k++) {
          long due = start + TimeUnit.MILLISECONDS.toNanos(1000L * k / rate);
          long wait = due - System.nanoTime();
          if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
          }
          sent[k] = System.currentTimeMillis();
          put(http, api, "svc" + (k % SERVICES), "new" + k);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        List<Long> page = new ArrayList<>();
        while (System.nanoTime() < deadline) {
          page = pageLatencies(browser, sent);
          if (page.size() == changes) {
            break;
          }
          Thread.sleep(500);
        }
        List<Long> floor = new ArrayList<>();
        atStream.forEach((k, at) -> floor.add(at - sent[k]));
        @SuppressWarnings("unchecked")
        List<Number> renders = (List<Number>) browser.executeScript("return window.pharos.renderMs;");
        List<Long> renderMicros = renders.stream().map(n -> Math.round(n.doubleValue() * 1000)).toList();
        Browser.screenshot(browser, "dashboard-bench");
        List<Long> fetches = new ArrayList<>(); // what each refresh asks of the node
        for (int i = 0; i < 50; i++) {
          long t0 = System.nanoTime();
          http.send(HttpRequest.newBuilder(URI.create(api + "/v1/services")).build(), HttpResponse.BodyHandlers.ofString());
          fetches.add((System.nanoTime() - t0) / 1000);
        }
        String table = String.format(Locale.ROOT, """
          Dashboard in headless chromium: %d instances (REST hosts over %d services), %d new instances at %d per second

          | measure | p50 (ms) | p99 (ms) | samples |
          |---|---:|---:|---:|
          | change to a plain `/v1/changes` SSE client (floor) | %s | %d |
          | change to the frame that shows it in the page | %s | %d |
          | one change applied to the page (script time) | %s | %d |
          | one `GET /v1/services` (summaries of the %d instances), from this process | %s | %d |
          """, instances, SERVICES, changes, rate, percentiles(floor), floor.size(), percentiles(page), page.size(),
          percentiles(renderMicros, 1000.0), renderMicros.size(), instances + changes,
          percentiles(fetches, 1000.0), fetches.size());
        BenchOutput.publish("dashboard", table);
      } finally {
        browser.quit();
        stream.interrupt();
      }
    }
  }

  private static void put(HttpClient http, String api, String service, String host) throws Exception {
    HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(api + "/srv/" + service + "/" + host))
      .PUT(HttpRequest.BodyPublishers.ofString(new JsonObject().put("name", host)
        .put("endpoints", new JsonObject().put("http", "http://10.1." + (host.hashCode() & 0xff) + ".1:8080/")).encode()))
      .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
    if (answer.statusCode() / 100 != 2) {
      throw new IllegalStateException("PUT " + service + "/" + host + " answered " + answer.statusCode() + " " + answer.body());
    }
  }

  /** A plain SSE client: when each change's event ({@code /srv/svcN/newK}) arrives. */
  private static Thread follow(HttpClient http, String api, long[] sent, Map<Integer, Long> arrived) throws Exception {
    return follow(http, api, sent, arrived, Pattern.compile("\"uri\":\"/srv/svc\\d+/new(\\d+)\""));
  }

  /** The same, for the changes whose uri matches {@code uri}, the change's number its first group. */
  static Thread follow(HttpClient http, String api, long[] sent, Map<Integer, Long> arrived, Pattern uri) throws Exception {
    HttpResponse<java.io.InputStream> response = http.send(HttpRequest.newBuilder(URI.create(api + "/v1/changes?prefix=/srv/")).build(),
      HttpResponse.BodyHandlers.ofInputStream());
    Thread reader = new Thread(() -> {
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
          Matcher m = uri.matcher(line);
          if (line.startsWith("data:") && m.find()) {
            int k = Integer.parseInt(m.group(1));
            if (k < sent.length && sent[k] != 0) {
              arrived.putIfAbsent(k, System.currentTimeMillis());
            }
          }
        }
      } catch (java.io.IOException e) {
        // the benchmark ended
      }
    }, "bench-sse");
    reader.setDaemon(true);
    reader.start();
    return reader;
  }

  private static List<Long> pageLatencies(ChromeDriver browser, long[] sent) {
    @SuppressWarnings("unchecked")
    Map<String, Object> seen = (Map<String, Object>) browser.executeScript("return window.pharos.firstSeen;");
    List<Long> latencies = new ArrayList<>();
    for (int k = 0; k < sent.length; k++) {
      Object at = seen.get("new" + k);
      if (at instanceof Number n && sent[k] != 0) {
        latencies.add(n.longValue() - sent[k]);
      }
    }
    return latencies;
  }

  private static String percentiles(List<Long> samples) {
    return percentiles(samples, 1.0);
  }

  static String percentiles(List<Long> samples, double divisor) {
    long[] sorted = samples.stream().mapToLong(Long::longValue).sorted().toArray();
    if (sorted.length == 0) {
      return "none | none";
    }
    return String.format(Locale.ROOT, "%.1f | %.1f", sorted[sorted.length / 2] / divisor,
      sorted[Math.min(sorted.length - 1, (int) (sorted.length * 0.99))] / divisor);
  }
}
