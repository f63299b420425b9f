package dev.pharos.api;

import dev.pharos.testing.EventLoopGuard;
import dev.pharos.bus.Addresses;
import dev.pharos.testing.Await;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code /v1/changes}: ids, Last-Event-ID resume from the bounded backlog, reset, heartbeat. */
@ExtendWith(EventLoopGuard.class)
class ChangeStreamTest {

  private static final Pattern ID = Pattern.compile("^id: (\\d+)$", Pattern.MULTILINE);

  private int port;
  private HttpClient client;

  @BeforeEach
  void deploy(Vertx vertx) throws Exception {
    JsonObject conf = new JsonObject().put("instanceId", "test")
      .put("api", new JsonObject().put("host", "127.0.0.1").put("port", 0).put("changesBacklog", 3).put("heartbeatMs", 100))
      .put("nesoi", new JsonObject().put("enabled", false)); // the stream alone, without a store
    vertx.deployVerticle(new ApiVerticle(), new DeploymentOptions().setConfig(conf)).await(10, TimeUnit.SECONDS);
    String listen = vertx.eventBus().<JsonObject>request(Addresses.status(Addresses.API), new JsonObject())
      .await(10, TimeUnit.SECONDS).body().getJsonObject("details").getString("listen");
    port = Integer.parseInt(listen.substring(listen.lastIndexOf(':') + 1));
    // every open stream holds a connection: more than the default pool of 5
    client = vertx.createHttpClient(new io.vertx.core.http.PoolOptions().setHttp1MaxSize(16));
  }

  /** Opens the stream and collects what arrives into the returned buffer. */
  private StringBuffer open(String lastEventId) throws Exception {
    return open("/v1/changes", lastEventId);
  }

  private StringBuffer open(String uri, String lastEventId) throws Exception {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
      .setURI(uri);
    if (lastEventId != null) {
      options.addHeader("Last-Event-ID", lastEventId);
    }
    StringBuffer received = new StringBuffer();
    // the handler is set on the event loop as the response arrives, so no early chunk is missed
    var response = client.request(options).compose(req -> req.send())
      .map(resp -> resp.handler(chunk -> received.append(chunk.toString())))
      .await(10, TimeUnit.SECONDS);
    assertEquals(200, response.statusCode());
    assertEquals("text/event-stream", response.getHeader("Content-Type"));
    return received;
  }

  private static void awaitText(StringBuffer text, String what, java.util.function.Predicate<String> done) throws Exception {
    try {
      Await.until(what, () -> done.test(text.toString()));
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; got:\n" + text, e);
    }
  }

  private static List<String> ids(String text) {
    List<String> ids = new ArrayList<>();
    Matcher m = ID.matcher(text);
    while (m.find()) {
      ids.add(m.group(1));
    }
    return ids;
  }

  @Test
  void streamsResumesAndKeepsAlive(Vertx vertx) throws Exception {
    StringBuffer live = open(null);
    // the stream writes its opening comment in the same event-loop turn that registers the client
    awaitText(live, "the opening comment", t -> t.startsWith(": pharos change stream\n\n"));
    for (int i = 1; i <= 5; i++) {
      vertx.eventBus().publish(Addresses.CHANGES, new JsonObject().put("type", i % 2 == 1 ? "registered" : "deregistered")
        .put("path", "/env/dev/sd/web/sd/h-" + i + "_0000000001"));
    }
    awaitText(live, "five events", t -> ids(t).size() == 5);
    List<String> ids = ids(live.toString());
    for (int i = 1; i < ids.size(); i++) {
      assertTrue(Long.parseLong(ids.get(i)) > Long.parseLong(ids.get(i - 1)), "ids grow: " + ids);
    }
    assertTrue(live.toString().contains("event: registered\ndata: {\"type\":\"registered\",\"path\":\"/env/dev/sd/web/sd/h-1_0000000001\"}\n\n"));
    awaitText(live, "a heartbeat comment", t -> t.contains("\n: heartbeat\n\n"));

    StringBuffer resumed = open(ids.get(3));
    awaitText(resumed, "the one event after the fourth", t -> ids(t).equals(List.of(ids.get(4))));
    assertTrue(!resumed.toString().contains("event: reset"));

    StringBuffer behind = open(ids.get(0));
    awaitText(behind, "the backlog of three", t -> ids(t).equals(ids.subList(2, 5)));
    assertTrue(behind.toString().contains("event: reset"), "a client older than the backlog is told so");
  }

  @Test
  void aFreshClientMayAskForTheRecentBacklog(Vertx vertx) throws Exception {
    StringBuffer live = open(null);
    awaitText(live, "the opening comment", t -> t.startsWith(": pharos change stream\n\n"));
    for (int i = 1; i <= 4; i++) {
      vertx.eventBus().publish(Addresses.CHANGES, new JsonObject().put("type", "srv-updated").put("uri", (i == 3 ? "/app/x" : "/srv/web/h-") + i));
    }
    awaitText(live, "four events", t -> ids(t).size() == 4);
    List<String> ids = ids(live.toString());

    StringBuffer two = open("/v1/changes?backlog=2", null);
    awaitText(two, "the last two", t -> ids(t).equals(ids.subList(2, 4)));
    StringBuffer srv = open("/v1/changes?backlog=2&prefix=/srv/", null);
    awaitText(srv, "the last two under /srv/", t -> ids(t).equals(List.of(ids.get(1), ids.get(3))));
    StringBuffer all = open("/v1/changes?backlog=100", null);
    awaitText(all, "all three the backlog keeps", t -> ids(t).equals(ids.subList(1, 4)));
    assertTrue(!all.toString().contains("event: reset"), "a backlog asked for is no reset");
    StringBuffer resumed = open("/v1/changes?backlog=100", ids.get(2));
    awaitText(resumed, "Last-Event-ID wins over backlog", t -> ids(t).equals(List.of(ids.get(3))));

    vertx.eventBus().publish(Addresses.CHANGES, new JsonObject().put("type", "srv-updated").put("uri", "/srv/web/h-5"));
    awaitText(two, "then live events", t -> ids(t).size() == 3);
    StringBuffer none = open("/v1/changes", null);
    awaitText(none, "the opening comment", t -> t.startsWith(": pharos change stream\n\n"));
    assertTrue(ids(none.toString()).isEmpty(), "no backlog unless asked: " + none);
  }
}
