package dev.pharos.harness.bench;

import dev.pharos.harness.Browser;
import dev.pharos.harness.Harness;
import dev.pharos.launcher.Pharos;
import dev.pharos.nesoi.NesoiDocuments;
import dev.pharos.nesoi.NesoiStore;
import io.vertx.core.json.JsonObject;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The dashboard over a large registry, in Debian's headless chromium: {@code instances} Nesoi
 * REST hosts over {@code services} services, written straight into ZooKeeper (the node's Nesoi
 * view lists them without any container), then a node running the api alone started on them.
 * Measures the time from navigation to the first summary rows drawn (cold, then reloads),
 * opening one service's first page, one {@code GET /v1/services} page and one service's page
 * from this process, and a live change (a host PUT through the api) to the frame that shows
 * it, with no new fetch of the list.
 * {@code DashboardScaleBench [instances (100000)] [services (1000)] [changes (20)]}
 */
public final class DashboardScaleBench {

  private static final int BATCH = 1000;

  public static void main(String[] args) throws Exception {
    int instances = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int services = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
    int changes = args.length > 2 ? Integer.parseInt(args[2]) : 20;
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    Path profile = Files.createTempDirectory("pharos-bench-chromium");
    try (Harness harness = new Harness()) {
      long writeStart = System.nanoTime();
      try {
        fill(harness.zk(), instances, services);
        double writeSeconds = (System.nanoTime() - writeStart) / 1e9;
        measure(harness, http, profile, instances, services, changes, writeSeconds);
      } finally {
        empty(harness.zk()); // the ZooKeeper server is shared: its hosts go in batches, not one delete each
      }
    }
  }

  private static void measure(Harness harness, HttpClient http, Path profile, int instances, int services, int changes,
                              double writeSeconds) throws Exception {
    long startAt = System.nanoTime();
    // the api alone: what the page reads, and what its figures are of (a whole node's other stages
    // would time their own start here, not the dashboard's)
    JsonObject apiOnly = new JsonObject();
    List.of("docker-watcher", "definition-watcher", "health-checker", "registrar", "ambassador", "webhooks")
      .forEach(stage -> apiOnly.put(stage, new JsonObject().put("instances", 0)));
    apiOnly.put("api", new JsonObject().put("instances", 1));
    Pharos node = Pharos.start(harness.conf("dashboard-scale", new JsonObject().put("verticles", apiOnly)))
      .await(300, TimeUnit.SECONDS);
    String api;
    try {
      api = Harness.api(node);
      double startSeconds = (System.nanoTime() - startAt) / 1e9;
      JsonObject first = json(http, api + "/v1/services?limit=100");
      if (first.getLong("instances") != instances) {
        throw new IllegalStateException("the node lists " + first.getLong("instances") + " instances, not " + instances);
      }
      List<Long> listMicros = time(http, api + "/v1/services?limit=100", 20);
      List<Long> pageMicros = time(http, api + "/v1/services/" + service(services / 2) + "?limit=50", 20);

      ChromeDriver browser = Browser.start(profile, 1280, 900);
      try {
        List<Long> firstRows = new ArrayList<>();
        for (int load = 0; load < 6; load++) {
          if (load == 0) {
            browser.get(api + "/ui/?refresh=0");
          } else {
            browser.navigate().refresh();
          }
          Number at = new WebDriverWait(browser, Duration.ofSeconds(60))
            .until(d -> (Number) browser.executeScript("return window.pharos && window.pharos.firstRowsAt;"));
          firstRows.add(Math.round(at.doubleValue() * 1000)); // performance.now(): ms since the navigation began
        }
        new WebDriverWait(browser, Duration.ofSeconds(20)).until(d -> "live".equals(d.findElement(By.id("live")).getText()));
        String counts = browser.findElement(By.id("counts")).getText();
        if (!counts.contains(instances + " instances")) {
          throw new IllegalStateException("the page counts " + counts);
        }
        browser.findElement(By.cssSelector("tr.service[data-service='" + service(0) + "']")).click();
        // in the page: from the click's handler to the frame after the first page was drawn
        Number opened = new WebDriverWait(browser, Duration.ofSeconds(30))
          .until(d -> (Number) browser.executeScript("return window.pharos.openedMs;"));
        long openMicros = Math.round(opened.doubleValue() * 1000);
        browser.executeScript("window.pharos.fetches.list = 0;");

        long[] sent = new long[changes];
        Map<Integer, Long> atStream = new java.util.concurrent.ConcurrentHashMap<>();
        Thread stream = DashboardBench.follow(http, api, sent, atStream,
          java.util.regex.Pattern.compile("\"uri\":\"/srv/svc\\d+/live(\\d+)\""));
        for (int k = 0; k < changes; k++) {
          sent[k] = System.currentTimeMillis();
          put(http, api, service(k % 2 == 0 ? 0 : services - 1), "live" + k);
          Thread.sleep(250); // one change every 250 ms: each lands on its own, after the last one's debounce
        }
        List<Long> applied = new ArrayList<>();
        new WebDriverWait(browser, Duration.ofSeconds(30)).until(d -> {
          @SuppressWarnings("unchecked")
          Map<String, Object> seen = (Map<String, Object>) browser.executeScript("return window.pharos.firstSeen;");
          applied.clear();
          for (int k = 0; k < changes; k++) {
            if (seen.get("live" + k) instanceof Number n) {
              applied.add(n.longValue() - sent[k]);
            }
          }
          return applied.size() == changes;
        });
        Number listFetches = (Number) browser.executeScript("return window.pharos.fetches.list;");
        stream.interrupt();
        List<Long> floor = new ArrayList<>();
        atStream.forEach((k, at) -> floor.add(at - sent[k]));
        Browser.screenshot(browser, "dashboard-scale");
        String table = String.format(Locale.ROOT, """
          Dashboard over %,d REST hosts in %,d services (written straight into ZooKeeper at %,.0f hosts/s), in headless chromium; a node running the api only, start to ready on them %.1f s

          | measure | p50 (ms) | p99 (ms) | samples |
          |---|---:|---:|---:|
          | page load to the first summary rows drawn (first load %.0f ms, then reloads) | %s | %d |
          | opening one service (%d hosts): click to its first page drawn | %.1f | %.1f | 1 |
          | one `GET /v1/services?limit=100`, from this process | %s | %d |
          | one `GET /v1/services/{name}?limit=50`, from this process | %s | %d |
          | a new host (PUT) to a plain `/v1/changes` SSE client in this process (floor) | %s | %d |
          | a new host (PUT) to the frame that shows it; the list was fetched again %d times | %s | %d |
          """, instances, services, instances / writeSeconds, startSeconds, firstRows.get(0) / 1000.0,
          DashboardBench.percentiles(firstRows.subList(1, firstRows.size()), 1000.0), firstRows.size() - 1,
          instances / services, openMicros / 1000.0, openMicros / 1000.0,
          DashboardBench.percentiles(listMicros, 1000.0), listMicros.size(),
          DashboardBench.percentiles(pageMicros, 1000.0), pageMicros.size(),
          DashboardBench.percentiles(floor, 1.0), floor.size(),
          listFetches.intValue(), DashboardBench.percentiles(applied, 1.0), applied.size());
        BenchOutput.publish("dashboard-scale", table);
      } finally {
        browser.quit();
      }
    } finally {
      node.close().await(60, TimeUnit.SECONDS);
    }
  }

  private static void empty(CuratorFramework zk) throws Exception {
    if (zk.checkExists().forPath(NesoiStore.SERVICES) == null) {
      return;
    }
    for (String service : zk.getChildren().forPath(NesoiStore.SERVICES)) {
      List<CuratorOp> batch = new ArrayList<>();
      List<String> hosts = zk.getChildren().forPath(NesoiStore.servicePath(service));
      for (int i = 0; i < hosts.size(); i++) {
        batch.add(zk.transactionOp().delete().forPath(NesoiStore.hostPath(service, hosts.get(i))));
        if (batch.size() == BATCH || i == hosts.size() - 1) {
          zk.transaction().forOperations(batch);
          batch.clear();
        }
      }
    }
  }

  private static String service(int i) {
    return String.format("svc%04d", i);
  }

  /** Writes the hosts as Nesoi stores them, {@value #BATCH} creates per ZooKeeper transaction. */
  private static void fill(CuratorFramework zk, int instances, int services) throws Exception {
    NesoiStore store = new NesoiStore(zk);
    store.ensureLayout();
    for (int s = 0; s < services; s++) {
      zk.create().forPath(NesoiStore.servicePath(service(s))); // persistent: no host is removed here
    }
    Clock clock = Clock.systemUTC();
    List<CuratorOp> batch = new ArrayList<>();
    for (int i = 0; i < instances; i++) {
      String service = service(i % services);
      String host = String.format("host%06d", i);
      JsonObject doc = NesoiDocuments.host(host, new JsonObject().put("name", host)
        .put("endpoints", new JsonObject().put("http", "http://127.0." + ((i >> 8) & 0xff) + "." + (i & 0xff) + ":8080/")), clock);
      batch.add(zk.transactionOp().create().forPath(NesoiStore.hostPath(service, host), doc.encode().getBytes(StandardCharsets.UTF_8)));
      if (batch.size() == BATCH || i == instances - 1) {
        zk.transaction().forOperations(batch);
        batch.clear();
      }
    }
  }

  private static void put(HttpClient http, String api, String service, String host) throws Exception {
    HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(api + "/srv/" + service + "/" + host))
      .PUT(HttpRequest.BodyPublishers.ofString(new JsonObject().put("name", host)
        .put("endpoints", new JsonObject().put("http", "http://127.0.9.9:8080/")).encode())).build(), HttpResponse.BodyHandlers.ofString());
    if (answer.statusCode() / 100 != 2) {
      throw new IllegalStateException("PUT " + service + "/" + host + " answered " + answer.statusCode() + " " + answer.body());
    }
  }

  private static JsonObject json(HttpClient http, String url) throws Exception {
    return new JsonObject(http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
      HttpResponse.BodyHandlers.ofString()).body());
  }

  private static List<Long> time(HttpClient http, String url, int times) throws Exception {
    List<Long> micros = new ArrayList<>();
    for (int i = 0; i < times; i++) {
      long t0 = System.nanoTime();
      http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
      micros.add((System.nanoTime() - t0) / 1000);
    }
    return micros;
  }
}
