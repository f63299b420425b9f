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

import java.net.URI;
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
      .put("nesoi", new JsonObject().put("maxBodyBytes", 1024));
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
    refused(413, "PUT", "/app/big", "{\"name\":\"big\",\"config\":{\"x\":\"" + "x".repeat(2000) + "\"}}", null);
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
}
