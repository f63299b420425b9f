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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code /v1/services} and {@code /v1/services/{name}} over HTTP on a real in-process ZooKeeper,
 * with Nesoi REST hosts: summaries, not instances; cursors; filters; the errors.
 */
@ExtendWith(VertxExtension.class)
class ServicesApiTest {

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private TestingServer zookeeper;
  private String base;

  @BeforeEach
  void deploy(Vertx vertx) throws Exception {
    zookeeper = new TestingServer(true);
    JsonObject conf = new JsonObject().put("instanceId", "h1")
      .put("zookeeper", new JsonObject().put("connect", zookeeper.getConnectString()))
      .put("api", new JsonObject().put("port", 0));
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

  private HttpResponse<String> get(String path) throws Exception {
    // bounded: a request the api leaves hanging fails the test instead of stalling it
    return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(java.time.Duration.ofSeconds(10)).build(),
      HttpResponse.BodyHandlers.ofString());
  }

  private JsonObject json(String path) throws Exception {
    HttpResponse<String> response = get(path);
    assertEquals(200, response.statusCode(), path + ": " + response.body());
    return new JsonObject(response.body());
  }

  private void put(String service, String host) throws Exception {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/srv/" + service + "/" + host))
      .PUT(HttpRequest.BodyPublishers.ofString("{\"name\":\"" + host + "\",\"endpoints\":{\"http\":\"http://10.0.0.1/\"}}")).build(),
      HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode(), response.body());
  }

  @Test
  void summariesAndInstancesArePagedAndFiltered() throws Exception {
    for (int s = 0; s < 5; s++) {
      for (int h = 0; h < (s == 2 ? 25 : 2); h++) {
        put("svc" + s, String.format("host%02d", h));
      }
    }
    JsonObject first = json("/v1/services?limit=2");
    assertEquals(2, first.getJsonArray("services").size());
    assertEquals(5, first.getInteger("total"));
    assertEquals(33L, first.getLong("instances"));
    assertEquals("svc1", first.getString("next"));
    JsonObject svc0 = first.getJsonArray("services").getJsonObject(0);
    assertEquals("svc0", svc0.getString("name"));
    assertEquals(new JsonObject().put("unchecked", 2), svc0.getJsonObject("states"));
    assertEquals(new JsonObject().put("rest", 2), svc0.getJsonObject("sources"));
    assertTrue(svc0.getLong("lastChange") > 0);
    assertTrue(first.getJsonArray("warnings").getString(0).contains("Docker instances unknown"), "no registrar here");

    List<String> walked = new ArrayList<>();
    for (String after = ""; after != null; ) {
      JsonObject page = json("/v1/services?limit=2&after=" + after);
      page.getJsonArray("services").forEach(s -> walked.add(((JsonObject) s).getString("name")));
      after = page.getString("next");
    }
    assertEquals(List.of("svc0", "svc1", "svc2", "svc3", "svc4"), walked);
    assertEquals(1, json("/v1/services?app=svc3").getInteger("total"));
    assertEquals(0, json("/v1/services?state=up").getInteger("total"), "no REST host is up: nothing checks them");
    assertEquals(5, json("/v1/services?state=unchecked").getInteger("total"));
    assertEquals(0, json("/v1/services?env=dev").getInteger("total"), "REST hosts have no env");

    JsonObject hosts = json("/v1/services/svc2?limit=10");
    assertEquals(10, hosts.getJsonArray("instances").size());
    assertEquals(25, hosts.getInteger("total"));
    assertEquals("host09", hosts.getString("next"));
    JsonObject last = json("/v1/services/svc2?limit=10&after=host19");
    assertEquals(List.of("host20", "host21", "host22", "host23", "host24"),
      last.getJsonArray("instances").stream().map(i -> ((JsonObject) i).getString("id")).toList());
    assertNull(last.getString("next"));
    JsonObject host = last.getJsonArray("instances").getJsonObject(0);
    assertEquals("rest", host.getString("source"));
    assertEquals("unchecked", host.getString("state"));
    assertTrue(host.getLong("updatedMs") > 0 && host.getString("updatedAt") != null);

    assertEquals(404, get("/v1/services/nothing").statusCode());
    assertEquals(400, get("/v1/services?limit=0").statusCode());
    assertEquals(400, get("/v1/services/svc2?state=green").statusCode());
    assertTrue(get("/v1/services?max_age=soon").body().contains("max_age"));
  }

  /**
   * The list asks the ambassador how many etcd documents each service has, not for the
   * documents; one service's page asks for that service's. The answers are the ambassador's
   * forms (its {@code EtcdDocuments} is tested in its module, and on a real etcd by AmbassadorIT).
   */
  @Test
  void theListAsksForEtcdCountsAndAServicesPageForItsDocumentsOnly(Vertx vertx) throws Exception {
    List<JsonObject> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
    vertx.eventBus().<JsonObject>consumer(Addresses.ENDPOINTS_SNAPSHOT, msg -> {
      asked.add(msg.body());
      msg.reply(Boolean.TRUE.equals(msg.body().getBoolean("counts"))
        ? new JsonObject().put("counts", new JsonObject().put("cache", new JsonObject().put("prod", 2).put("dev", 1)))
        : new JsonObject().put("endpoints", new io.vertx.core.json.JsonArray().add(new JsonObject().put("key", "/services/prod/cache/1/1/a")
          .put("env", "prod").put("service", "cache").put("address", "127.0.0.8:1").put("tags", new io.vertx.core.json.JsonArray()))));
    }).completion().await(5, TimeUnit.SECONDS);

    List<JsonObject> registrars = registrar(vertx, new io.vertx.core.json.JsonArray());

    JsonObject list = json("/v1/services");
    assertEquals(dev.pharos.bus.PagedReplies.DEFAULT_PAGE_SIZE, registrars.get(0).getInteger(dev.pharos.bus.PagedReplies.PAGE_SIZE),
      "a registrar's share is asked for in pages");
    assertEquals(new JsonObject().put("counts", true).put("except", new io.vertx.core.json.JsonArray()), asked.get(0),
      "no Docker instance registered here, so no document to leave out");
    JsonObject cache = list.getJsonArray("services").getJsonObject(0);
    assertEquals(new JsonObject().put("unchecked", 3), cache.getJsonObject("states"));
    assertEquals(new JsonObject().put("etcd", 3), cache.getJsonObject("sources"));
    assertEquals(List.of("dev", "prod"), cache.getJsonArray("envs").getList());
    assertEquals(1, json("/v1/services?env=dev").getLong("instances"));
    assertEquals(true, list.getBoolean("etcd"));

    JsonObject page = json("/v1/services/cache");
    assertEquals(new JsonObject().put("apps", new io.vertx.core.json.JsonArray().add("cache")), asked.get(asked.size() - 1));
    assertEquals("/services/prod/cache/1/1/a", page.getJsonArray("instances").getJsonObject(0).getString("id"));
  }

  /**
   * A list of named services (what the dashboard asks for the rows a change touched) asks each
   * registrar and the ambassador for those services only, not for every instance and count.
   */
  @Test
  void aListOfNamedServicesAsksForThoseServicesOnly(Vertx vertx) throws Exception {
    List<JsonObject> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
    vertx.eventBus().<JsonObject>consumer(Addresses.ENDPOINTS_SNAPSHOT, msg -> {
      asked.add(msg.body());
      msg.reply(new JsonObject().put("endpoints", new io.vertx.core.json.JsonArray().add(new JsonObject()
        .put("key", "/services/prod/cache/1/1/a").put("env", "prod").put("service", "cache").put("address", "127.0.0.8:1")
        .put("tags", new io.vertx.core.json.JsonArray()))));
    }).completion().await(5, TimeUnit.SECONDS);
    List<JsonObject> registrars = registrar(vertx, new io.vertx.core.json.JsonArray());

    JsonObject list = json("/v1/services?app=cache&app=web");
    assertEquals(List.of("cache", "web"), registrars.get(0).getJsonArray("apps").getList(), registrars.get(0).encode());
    assertEquals(new JsonObject().put("apps", new io.vertx.core.json.JsonArray().add("cache").add("web")), asked.get(0));
    assertEquals(1, list.getJsonArray("services").size(), list.encode());
    assertEquals(new JsonObject().put("unchecked", 1), list.getJsonArray("services").getJsonObject(0).getJsonObject("states"));
  }

  /**
   * A named service's row is the full list's row: its Docker instance, and the etcd documents
   * other than that instance's own. The whole list is made of counts (the registrar's summary,
   * the checker's counts by state, the ambassador's counts less the registrar's documents); the
   * named service's row of its instances and documents, joined and left out by key.
   */
  @Test
  void aNamedServicesRowIsTheFullListsRow(Vertx vertx) throws Exception {
    String own = "/services/prod/cache/1/1/h1-x";
    List<JsonObject> documents = List.of(
      new JsonObject().put("key", own).put("env", "prod").put("service", "cache").put("address", "127.0.0.8:1"),
      new JsonObject().put("key", "/services/prod/cache/2/1/other").put("env", "prod").put("service", "cache").put("address", "127.0.0.9:1"),
      new JsonObject().put("key", "/services/prod/db/1/1/db").put("env", "prod").put("service", "db").put("address", "127.0.0.10:1"));
    vertx.eventBus().<JsonObject>consumer(Addresses.ENDPOINTS_SNAPSHOT, msg -> {
      if (Boolean.TRUE.equals(msg.body().getBoolean("counts"))) { // as the ambassador's EtcdDocuments counts
        List<Object> except = msg.body().getJsonArray("except").getList();
        JsonObject counts = new JsonObject();
        documents.stream().filter(d -> !except.contains(d.getString("key"))).forEach(d -> {
          JsonObject byEnv = counts.getJsonObject(d.getString("service"), new JsonObject());
          counts.put(d.getString("service"), byEnv.put(d.getString("env"), byEnv.getInteger(d.getString("env"), 0) + 1));
        });
        msg.reply(new JsonObject().put("counts", counts));
      } else {
        List<Object> apps = msg.body().getJsonArray("apps").getList();
        io.vertx.core.json.JsonArray listed = new io.vertx.core.json.JsonArray();
        documents.stream().filter(d -> apps.contains(d.getString("service"))).forEach(d -> listed.add(d.copy()
          .put("tags", new io.vertx.core.json.JsonArray())));
        msg.reply(new JsonObject().put("endpoints", listed));
      }
    }).completion().await(5, TimeUnit.SECONDS);
    JsonObject instance = dockerInstance("h1-x", "prod", "cache", 8080).put("document", new JsonObject().put("path", own));
    List<JsonObject> registrarAsked = new java.util.concurrent.CopyOnWriteArrayList<>();
    vertx.eventBus().<JsonObject>consumer(Addresses.REGISTRATIONS_SNAPSHOT, msg -> {
      registrarAsked.add(msg.body());
      JsonObject reply = new JsonObject().put("member", "r1").put("node", "n1").put("maintenance", new io.vertx.core.json.JsonArray())
        .put("more", false);
      if (msg.body().containsKey("summary")) { // as the registrar's RegistrationSummary
        msg.reply(reply.put("summary", new JsonObject().put("cache", new JsonObject().put("prod", new JsonObject()
          .put("registered", 1).put("since", 1000L).put("documents", 1)))));
        return;
      }
      List<Object> apps = msg.body().getJsonArray("apps", new io.vertx.core.json.JsonArray()).getList();
      io.vertx.core.json.JsonArray registrations = new io.vertx.core.json.JsonArray();
      if (apps.isEmpty() || apps.contains("cache")) {
        registrations.add(new JsonObject().put("instance", instance).put("path", "/env/prod/sd/cache/sd/h1-x_0000000001")
          .put("since", 1000L));
      }
      msg.reply(reply.put("registrations", registrations));
    }).completion().await(5, TimeUnit.SECONDS);
    vertx.eventBus().<JsonObject>consumer(Addresses.INSTANCES_SNAPSHOT, msg -> {
      JsonObject reply = new JsonObject().put("member", "c1").put("node", "n1").put("ready", true);
      if (msg.body().containsKey("counts")) { // as the checker's SnapshotAnswers
        msg.reply(reply.put("counts", new JsonObject().put("cache", new JsonObject().put("prod", new JsonObject().put("up", 1)))));
      } else {
        msg.reply(reply.put("watches", new io.vertx.core.json.JsonArray().add(new JsonObject().put("instance", instance).put("up", true)
          .put("rounds", 2).put("checks", new io.vertx.core.json.JsonArray()))).put("more", false));
      }
    }).completion().await(5, TimeUnit.SECONDS);

    JsonObject full = json("/v1/services").getJsonArray("services").getJsonObject(0);
    assertEquals(List.of(new JsonObject().put("summary", true).put(dev.pharos.bus.PagedReplies.PAGE_SIZE,
      dev.pharos.bus.PagedReplies.DEFAULT_PAGE_SIZE)), registrarAsked, "the whole list asks for counts, not registrations");
    assertEquals("cache", full.getString("name"));
    assertEquals(new JsonObject().put("docker", 1).put("etcd", 1), full.getJsonObject("sources"), full.encode());
    assertEquals(new JsonObject().put("unchecked", 1).put("up", 1), full.getJsonObject("states"));
    JsonObject named = json("/v1/services?app=cache");
    assertEquals(1, named.getJsonArray("services").size(), named.encode());
    assertEquals(full, named.getJsonArray("services").getJsonObject(0));
  }

  /**
   * With no checker answering, the counts would drop the registered instances the missing checker
   * watches: the list gathers every instance instead, and a registration without a watch is up.
   */
  @Test
  void withoutACheckersCountsTheListGathersEveryInstance(Vertx vertx) throws Exception {
    JsonObject instance = dockerInstance("h1-y", "dev", "web", 8081);
    List<JsonObject> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
    vertx.eventBus().<JsonObject>consumer(Addresses.REGISTRATIONS_SNAPSHOT, msg -> {
      asked.add(msg.body());
      JsonObject reply = new JsonObject().put("member", "r1").put("node", "n1").put("maintenance", new io.vertx.core.json.JsonArray())
        .put("more", false);
      msg.reply(msg.body().containsKey("summary")
        ? reply.put("summary", new JsonObject().put("web", new JsonObject().put("dev", new JsonObject().put("registered", 1)
          .put("since", 1000L))))
        : reply.put("registrations", new io.vertx.core.json.JsonArray().add(new JsonObject().put("instance", instance)
          .put("path", "/env/dev/sd/web/sd/h1-y_0000000001").put("since", 1000L))));
    }).completion().await(5, TimeUnit.SECONDS);

    JsonObject web = json("/v1/services").getJsonArray("services").getJsonObject(0);
    assertEquals(new JsonObject().put("up", 1), web.getJsonObject("states"), web.encode());
    assertEquals(2, asked.size(), "asked for counts, then for every instance: " + asked);
  }

  /** A registrar on the bus holding {@code registrations}, whatever it is asked: the requests it got. */
  private static List<JsonObject> registrar(Vertx vertx, io.vertx.core.json.JsonArray registrations) throws Exception {
    List<JsonObject> requests = new java.util.concurrent.CopyOnWriteArrayList<>();
    vertx.eventBus().<JsonObject>consumer(Addresses.REGISTRATIONS_SNAPSHOT, msg -> {
      requests.add(msg.body());
      msg.reply(new JsonObject().put("member", "r1").put("node", "n1").put("registrations", registrations)
        .put("maintenance", new io.vertx.core.json.JsonArray()).put("more", false));
    }).completion().await(5, TimeUnit.SECONDS);
    return requests;
  }

  private static JsonObject dockerInstance(String id, String env, String app, int port) {
    return new JsonObject().put("id", id).put("env", env).put("app", app).put("hostId", "h1").put("containerId", "c-" + id)
      .put("host", "127.0.0.1").put("port", port).put("data", new JsonObject().put("host", "127.0.0.1").put("port", port));
  }

  /**
   * {@code /v1/instances} with {@code limit}, {@code after} or {@code state} answers one entry per
   * Docker instance across services, filtered and paged by cursor; without them, the stages'
   * shares as before. The registrar holds h1-a, h1-b and h1-d registered; the checker watches
   * h1-a and h1-b up, h1-c down, h1-d up (in env prod).
   */
  @Test
  void instancesPageAndFilterByStateAcrossServices(Vertx vertx) throws Exception {
    io.vertx.core.json.JsonArray registered = new io.vertx.core.json.JsonArray();
    io.vertx.core.json.JsonArray watched = new io.vertx.core.json.JsonArray();
    int port = 8000;
    for (String[] i : new String[][]{{"h1-a", "dev", "web", "up"}, {"h1-b", "dev", "cache", "up"}, {"h1-c", "dev", "web", "down"},
      {"h1-d", "prod", "web", "up"}}) {
      JsonObject instance = dockerInstance(i[0], i[1], i[2], port++);
      if ("up".equals(i[3])) {
        registered.add(new JsonObject().put("instance", instance).put("path", "/env/" + i[1] + "/sd/" + i[2] + "/sd/" + i[0] + "_0000000001")
          .put("since", 1000L));
      }
      watched.add(new JsonObject().put("instance", instance).put("up", "up".equals(i[3])).put("rounds", 3)
        .put("checks", new io.vertx.core.json.JsonArray()));
    }
    registrar(vertx, registered);
    vertx.eventBus().<JsonObject>consumer(Addresses.INSTANCES_SNAPSHOT, msg -> msg.reply(new JsonObject().put("member", "c1")
      .put("node", "n1").put("watches", watched).put("more", false))).completion().await(5, TimeUnit.SECONDS);

    JsonObject first = json("/v1/instances?state=up&limit=2");
    assertEquals(List.of("h1-a", "h1-b"), ids(first), first.encode());
    assertEquals(3, first.getInteger("total"));
    assertEquals("h1-b", first.getString("next"));
    JsonObject second = json("/v1/instances?state=up&limit=2&after=h1-b");
    assertEquals(List.of("h1-d"), ids(second));
    assertNull(second.getString("next"));
    assertTrue(second.getJsonArray("instances").getJsonObject(0).getBoolean("registered"), second.encode());

    assertEquals(List.of("h1-c"), ids(json("/v1/instances?state=down")));
    assertEquals(List.of("h1-a", "h1-c"), ids(json("/v1/instances?app=web&env=dev&limit=10")));
    assertEquals(400, get("/v1/instances?state=sleeping").statusCode());
    // without paging or state: the registrars' and checkers' shares, as before
    JsonObject shares = json("/v1/instances?app=web");
    assertEquals(2, shares.getJsonArray("registrations").size(), shares.encode());
    assertEquals(3, shares.getJsonArray("checks").size());
  }

  private static List<String> ids(JsonObject page) {
    List<String> ids = new ArrayList<>();
    page.getJsonArray("instances").forEach(i -> ids.add(((JsonObject) i).getString("id")));
    return ids;
  }

  /** An answer not of its contract (a count that is no number) is a 502 naming why, not a request left hanging. */
  @Test
  void anAnswerThatCannotBeReadIsA502(Vertx vertx) throws Exception {
    vertx.eventBus().<JsonObject>consumer(Addresses.ENDPOINTS_SNAPSHOT, msg -> msg.reply(
      new JsonObject().put("counts", new JsonObject().put("cache", new JsonObject().put("prod", "many")))))
      .completion().await(5, TimeUnit.SECONDS);
    HttpResponse<String> answer = get("/v1/services");
    assertEquals(502, answer.statusCode(), answer.body());
    assertTrue(new JsonObject(answer.body()).getString("error").contains("could not be read"), answer.body());
  }
}
