package dev.pharos.api;

import dev.pharos.bus.Addresses;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Nesoi's REST API on a real in-process ZooKeeper: the seed's requests, then every bad input. */
@ExtendWith(VertxExtension.class)
class NesoiApiTest {

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private TestingServer zookeeper;
  private String base;

  @BeforeEach
  void deploy(Vertx vertx) throws Exception {
    zookeeper = new TestingServer(true);
    JsonObject conf = new JsonObject().put("instanceId", "h1")
      .put("zookeeper", new JsonObject().put("connect", zookeeper.getConnectString()))
      .put("api", new JsonObject().put("port", 0).put("token", "s3cret"))
      .put("nesoi", new JsonObject().put("maxBodyBytes", 100_000))
      .put("webhooks", new JsonObject().put("denyPrivate", true));
    vertx.deployVerticle(new ApiVerticle(), new DeploymentOptions().setConfig(conf)).await(20, TimeUnit.SECONDS);
    JsonObject status = vertx.eventBus().<JsonObject>request(Addresses.status(Addresses.API), new JsonObject())
      .await(5, TimeUnit.SECONDS).body();
    base = "http://" + status.getJsonObject("details").getString("listen");
  }

  @AfterEach
  void stop(Vertx vertx) throws Exception {
    for (String id : vertx.deploymentIDs()) {
      vertx.undeploy(id).await(20, TimeUnit.SECONDS);
    }
    zookeeper.close();
  }

  private HttpResponse<String> send(String method, String path, String body, boolean authorized) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
      .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (authorized) {
      request.header("Authorization", "Bearer s3cret");
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> send(String method, String path, String body) throws Exception {
    return send(method, path, body, true);
  }

  private static JsonObject json(HttpResponse<String> response) {
    return new JsonObject(response.body());
  }

  @Test
  void theSeedsRequestsGetNesoisAnswers() throws Exception {
    HttpResponse<String> put = send("PUT", "/app/dm", "{\"name\":\"dm\", \"config\":{}}");
    assertEquals(200, put.statusCode(), put.body());
    JsonObject app = json(put);
    assertEquals("dm", app.getString("name"));
    assertEquals(new JsonObject(), app.getJsonObject("config"));
    assertTrue(app.getString("updated_at").matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{6}"), app.getString("updated_at"));

    JsonObject apps = json(send("GET", "/app", null));
    assertEquals(List.of("dm"), List.copyOf(apps.fieldNames()));
    assertEquals(app, apps.getJsonObject("dm"));

    HttpResponse<String> host = send("PUT", "/srv/dm/host1", "{\"name\":\"host1\", \"endpoints\":{\"http\":\"http://localhost:5432/\"}}");
    assertEquals(200, host.statusCode(), host.body());
    assertEquals("http://localhost:5432/", json(host).getJsonObject("endpoints").getString("http"));
    assertEquals(json(host), json(send("GET", "/srv/dm", null)).getJsonObject("host1"));
    assertEquals(json(host), json(send("GET", "/srv/dm/host1", null)));

    HttpResponse<String> head = send("HEAD", "/app/dm", null);
    assertEquals(200, head.statusCode());
    assertEquals("<" + base + "/app/dm/web-hooks>; rel=\"Subscriptions\"", head.headers().firstValue("Link").orElse(null));
    assertEquals("<" + base + "/srv/dm/web-hooks>; rel=\"Subscriptions\"", send("HEAD", "/srv/dm", null).headers().firstValue("Link").orElse(null));

    HttpResponse<String> hook = send("POST", "/app/dm/web-hooks", "{\"name\":\"dm-host1\", \"endpoint\":\"http://localhost:4322/web-hooks\"}");
    assertEquals(201, hook.statusCode(), hook.body());
    assertEquals(new JsonObject().put("endpoint", "http://localhost:4322/web-hooks").put("name", "dm-host1"), json(hook));
    String location = hook.headers().firstValue("Location").orElse(null);
    assertEquals("/app/dm/web-hooks/dm-host1", location);
    assertNotNull(json(send("GET", "/app/dm/web-hooks", null)).getJsonObject("dm-host1"));
    assertEquals(204, send("DELETE", location, null).statusCode());
    assertEquals(404, send("DELETE", location, null).statusCode());

    assertEquals(204, send("DELETE", "/srv/dm/host1", null).statusCode());
    assertEquals(404, send("GET", "/srv/dm", null).statusCode());
    assertEquals(204, send("DELETE", "/app/dm", null).statusCode());
    assertEquals(404, send("GET", "/app/dm", null).statusCode());
    assertEquals(new JsonObject(), json(send("GET", "/app", null)));
  }

  @Test
  void maxAgeAndTheLatestMaster() throws Exception {
    send("PUT", "/srv/db/a", "{\"name\":\"a\",\"endpoints\":{},\"master\":true}");
    Thread.sleep(5);
    send("PUT", "/srv/db/b", "{\"name\":\"b\",\"endpoints\":{},\"master\":true}");
    JsonObject all = json(send("GET", "/srv/db", null));
    assertEquals(false, all.getJsonObject("a").getBoolean("master"), "only the latest claim is master");
    assertEquals(true, all.getJsonObject("b").getBoolean("master"));
    assertEquals(2, json(send("GET", "/srv/db?max_age=60", null)).size());
    Thread.sleep(1100);
    send("PUT", "/srv/db/c", "{\"name\":\"c\",\"endpoints\":{}}");
    assertEquals(List.of("c"), List.copyOf(json(send("GET", "/srv/db?max_age=1", null)).fieldNames()));
    assertEquals(400, send("GET", "/srv/db?max_age=soon", null).statusCode());
  }

  private void refused(int status, String method, String path, String body, String mentions) throws Exception {
    HttpResponse<String> response = send(method, path, body);
    assertEquals(status, response.statusCode(), method + " " + path + ": " + response.body());
    if (mentions != null) {
      assertTrue(json(response).getString("error").contains(mentions), response.body());
    }
  }

  @Test
  void badRequestsAreRefusedWithAReason() throws Exception {
    refused(400, "PUT", "/app/x", "{\"name\":\"x\"}", "config");
    refused(400, "PUT", "/app/x", "{\"config\":{}}", "name");
    refused(400, "PUT", "/app/x", "{\"name\":\"y\",\"config\":{}}", "name");
    refused(400, "PUT", "/app/x", "{\"name\":\"x\",\"config\":7}", "config");
    refused(400, "PUT", "/app/x", "not json", "JSON");
    refused(400, "PUT", "/srv/s/h", "{\"name\":\"h\"}", "endpoints");
    refused(400, "PUT", "/app/a%2Fb", "{\"name\":\"a/b\",\"config\":{}}", "'/'");
    refused(400, "PUT", "/app/..", "{\"name\":\"..\",\"config\":{}}", "'..'");
    refused(400, "PUT", "/app/a%01", "{\"name\":\"a\\u0001\",\"config\":{}}", "control");
    String longName = "n".repeat(256);
    refused(400, "PUT", "/app/" + longName, "{\"name\":\"" + longName + "\",\"config\":{}}", "255");
    refused(413, "PUT", "/app/big", "{\"name\":\"big\",\"config\":{\"x\":\"" + "x".repeat(150_000) + "\"}}", "100000");
    refused(404, "GET", "/app/nope", null, "does not exist");
    refused(404, "GET", "/srv/nope/h", null, null);
    refused(404, "POST", "/app/nope/web-hooks", "{\"name\":\"h\",\"endpoint\":\"http://127.0.0.1:1/\"}", null);
    send("PUT", "/app/ok", "{\"name\":\"ok\",\"config\":{}}");
    refused(400, "POST", "/app/ok/web-hooks", "{\"name\":\"h\",\"endpoint\":\"ftp://x/\"}", "endpoint");
    refused(400, "POST", "/app/ok/web-hooks", "{\"endpoint\":\"http://x/\"}", "name");
    assertEquals(401, send("PUT", "/app/ok", "{\"name\":\"ok\",\"config\":{}}", false).statusCode(), "writes need the token");
    assertEquals(200, send("GET", "/app/ok", null, false).statusCode(), "reads do not");
    assertEquals(200, send("GET", "/app/ok", null).statusCode(), "a bad request changed nothing else");
  }

  /** What curl got: status, content type and body. */
  private record Curled(int status, String contentType, String body) {
    JsonObject json() {
      return new JsonObject(body);
    }
  }

  /** A real {@code curl -X METHOD -d @file}: curl sends it as application/x-www-form-urlencoded, as Nesoi's README does. */
  private Curled curl(String method, String path, String body) throws Exception {
    Path file = Files.createTempFile("nesoi-body", ".json");
    Path out = Files.createTempFile("nesoi-answer", ".txt");
    try {
      Files.writeString(file, body);
      Process curl = new ProcessBuilder("curl", "-s", "--max-time", "20", "-o", out.toString(), "-w", "%{http_code} %{content_type}",
        "-X", method, "-H", "Authorization: Bearer s3cret", "-d", "@" + file, base + path).redirectErrorStream(true).start();
      String written = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(curl.waitFor(30, TimeUnit.SECONDS), "curl ended");
      String[] parts = written.split(" ", 2);
      return new Curled(Integer.parseInt(parts[0]), parts.length > 1 ? parts[1] : "", Files.readString(out));
    } finally {
      Files.deleteIfExists(file);
      Files.deleteIfExists(out);
    }
  }

  /** ERROR events logged while {@code action} runs. */
  private static List<ILoggingEvent> errorsDuring(ThrowingRunnable action) throws Exception {
    ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    root.addAppender(appender);
    try {
      action.run();
    } finally {
      root.detachAppender(appender);
    }
    return appender.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.ERROR)).toList();
  }

  private interface ThrowingRunnable {
    void run() throws Exception;
  }

  private static String app(String name, int configBytes) {
    String head = "{\"name\":\"" + name + "\",\"config\":{\"x\":\"";
    String tail = "\"}}";
    return head + "x".repeat(configBytes - head.length() - tail.length()) + tail;
  }

  @Test
  void curlsFormEncodedBodiesAreReadAsJsonUpToTheLimit() throws Exception {
    List<ILoggingEvent> errors = errorsDuring(() -> {
      Curled small = curl("PUT", "/app/cfg", app("cfg", 2048));
      assertEquals(200, small.status(), small.body());
      assertEquals(new JsonObject(app("cfg", 2048)).getJsonObject("config"), small.json().getJsonObject("config"));
      Curled large = curl("PUT", "/app/cfg64", app("cfg64", 64 * 1024));
      assertEquals(200, large.status(), large.body());
      assertEquals(large.json(), json(send("GET", "/app/cfg64", null)));
      Curled tooLarge = curl("PUT", "/app/huge", app("huge", 150_000));
      assertEquals(413, tooLarge.status(), tooLarge.body());
      assertTrue(tooLarge.contentType().startsWith("application/json"), tooLarge.contentType());
      assertTrue(tooLarge.json().getString("error").contains("100000"), tooLarge.body());
      assertEquals(404, send("GET", "/app/huge", null).statusCode());
      byte[] chunked = app("chunked", 150_000).getBytes(StandardCharsets.UTF_8);
      HttpResponse<String> noLength = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/app/chunked")).header("Authorization", "Bearer s3cret")
        .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(chunked))).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(413, noLength.statusCode(), "a chunked body with no length up front is cut at the limit too");
      Curled post = curl("POST", "/app/cfg/web-hooks", "{\"name\":\"h\",\"endpoint\":\"http://127.0.0.1:9/" + "p".repeat(1500) + "\"}");
      assertEquals(201, post.status(), post.body());
    });
    assertEquals(List.of(), errors.stream().map(ILoggingEvent::getFormattedMessage).toList(), "no ERROR logged");
  }

  @Test
  void aDeeplyNestedBodyGetsAJsonReason() throws Exception {
    String deep = "{\"name\":\"d\",\"config\":" + "{\"a\":".repeat(5000) + "1" + "}".repeat(5000) + "}";
    Curled curled = curl("PUT", "/app/d", deep);
    assertEquals(400, curled.status(), curled.body());
    assertTrue(curled.contentType().startsWith("application/json"), curled.contentType());
    assertTrue(curled.json().getString("error").contains("nested"), curled.body());
    refused(400, "PUT", "/app/d", deep, "nested");
    refused(400, "PUT", "/srv/d/h", "[".repeat(5000) + "]".repeat(5000), "nested");
    assertEquals(200, send("PUT", "/app/d", "{\"name\":\"d\",\"config\":{}}").statusCode(), "everything else keeps working");
  }

  @Test
  void typedFieldsOfNesoisProtocolAreChecked() throws Exception {
    refused(400, "PUT", "/srv/db/a", "{\"name\":\"a\",\"endpoints\":{},\"master\":\"yes\"}", "master");
    refused(400, "PUT", "/srv/db/a", "{\"name\":\"a\",\"endpoints\":{},\"master\":null}", "master");
    refused(400, "PUT", "/srv/db/a", "{\"name\":\"a\",\"endpoints\":{\"http\":5}}", "endpoints.http");
    refused(400, "PUT", "/app/a", "{\"name\":7,\"config\":{}}", "name");
    assertEquals(200, send("PUT", "/srv/db/a", "{\"name\":\"a\",\"endpoints\":{\"http\":\"http://x/\"},\"master\":false}").statusCode());
    for (String bad : List.of("-5", "1.5", "soon", "", "99999999999999999999")) {
      refused(400, "GET", "/srv/db?max_age=" + bad, null, "max_age");
    }
    assertEquals(200, send("GET", "/srv/db?max_age=0", null).statusCode());
    assertEquals(List.of("a"), List.copyOf(json(send("GET", "/srv/db?max_age=" + Long.MAX_VALUE, null)).fieldNames()),
      "a huge max_age leaves nothing out");
  }

  @Test
  void hooksToLinkLocalOrPrivateAddressesAreRefused() throws Exception {
    send("PUT", "/app/ok", "{\"name\":\"ok\",\"config\":{}}");
    refused(400, "POST", "/app/ok/web-hooks", "{\"name\":\"meta\",\"endpoint\":\"http://169.254.169.254/latest/meta-data\"}", "169.254.169.254");
    refused(400, "POST", "/app/ok/web-hooks", "{\"name\":\"ll6\",\"endpoint\":\"http://[fe80::1]:8080/\"}", "fe80");
    refused(400, "POST", "/app/ok/web-hooks", "{\"name\":\"priv\",\"endpoint\":\"http://10.1.2.3/\"}", "10.1.2.3");
    refused(400, "POST", "/app/ok/web-hooks", "{\"name\":\"ula\",\"endpoint\":\"http://[fd00::1]/\"}", "fd00");
    assertEquals(201, send("POST", "/app/ok/web-hooks", "{\"name\":\"local\",\"endpoint\":\"http://127.0.0.1:9/\"}").statusCode(),
      "loopback stays allowed");
    assertEquals(201, send("POST", "/app/ok/web-hooks", "{\"name\":\"localname\",\"endpoint\":\"http://localhost:9/\"}").statusCode());
    assertEquals(List.of("local", "localname"), List.copyOf(json(send("GET", "/app/ok/web-hooks", null)).fieldNames()));
  }

  @Test
  void theHookListShowsWhatTheNotifierRecorded() throws Exception {
    send("PUT", "/app/ok", "{\"name\":\"ok\",\"config\":{}}");
    assertEquals(201, send("POST", "/app/ok/web-hooks", "{\"name\":\"h\",\"endpoint\":\"http://127.0.0.1:9/\"}").statusCode());
    JsonObject fresh = json(send("GET", "/app/ok/web-hooks", null)).getJsonObject("h");
    assertEquals(new JsonObject().put("endpoint", "http://127.0.0.1:9/").put("name", "h").put("failing", false).put("dropped", 0)
      .putNull("lastError"), fresh);
    try (var zk = dev.pharos.zookeeper.ZooKeeperClients.start(new JsonObject().put("connect", zookeeper.getConnectString()))) {
      new dev.pharos.nesoi.NesoiStore(zk).putHookState("app", "ok", "h", new JsonObject().put("failing", true).put("dropped", 7)
        .put("lastError", "delivery failed (Connection refused)").put("queued", 1000));
    }
    dev.pharos.testing.Await.until("the list shows the record", () ->
      json(send("GET", "/app/ok/web-hooks", null)).getJsonObject("h").getBoolean("failing"));
    JsonObject shown = json(send("GET", "/app/ok/web-hooks", null)).getJsonObject("h");
    assertEquals(7, shown.getInteger("dropped"));
    assertEquals("delivery failed (Connection refused)", shown.getString("lastError"));
    assertEquals(201, send("POST", "/app/ok/web-hooks", "{\"name\":\"h\",\"endpoint\":\"http://127.0.0.1:10/\"}").statusCode());
    dev.pharos.testing.Await.until("a hook registered again starts afresh", () ->
      !json(send("GET", "/app/ok/web-hooks", null)).getJsonObject("h").getBoolean("failing"));
  }
}
