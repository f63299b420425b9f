package dev.pharos.api.impl;

import dev.pharos.model.Instance;
import dev.pharos.nesoi.NesoiDocuments;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code /v1/services}' summaries and {@code /v1/services/{name}}' instances: filters, cursors, counts. */
class ServicePagesTest {

  private static final long NOW = 1_900_000_000_000L;

  private static JsonObject instance(String id, String env, String app) {
    return new Instance(id, env, app, "h1", "c-" + id, "127.0.0.1", 8000, new JsonObject(), null).toJson();
  }

  private static JsonObject restDoc(String name, long updatedMs) {
    return new JsonObject().put("name", name).put("endpoints", new JsonObject().put("http", "http://10.0.0.1/"))
      .put("updated_at", NesoiDocuments.updatedAt(updatedMs));
  }

  /**
   * web: dev-1 up (since 100), dev-2 checking, prod-1 maintenance (since 300), prod-2 down;
   * db: dev-db up (since 50); api: REST hosts a (10 s old) and b (2 h old); cache: one etcd document.
   */
  private static ServiceOverview.Sources sources() {
    JsonObject docker = new JsonObject()
      .put("checks", new JsonArray()
        .add(new JsonObject().put("instance", instance("dev-1", "dev", "web")).put("up", true))
        .add(new JsonObject().put("instance", instance("dev-2", "dev", "web")).putNull("up"))
        .add(new JsonObject().put("instance", instance("prod-2", "prod", "web")).put("up", false)))
      .put("registrations", new JsonArray()
        .add(new JsonObject().put("instance", instance("dev-1", "dev", "web")).put("since", 100L))
        .add(new JsonObject().put("instance", instance("dev-db", "dev", "db")).put("since", 50L)))
      .put("maintenance", new JsonArray()
        .add(new JsonObject().put("instance", instance("prod-1", "prod", "web")).put("since", 300L).put("reason", "disk")));
    Map<String, Map<String, JsonObject>> rest = new TreeMap<>();
    rest.put("api", new TreeMap<>(Map.of("a", restDoc("a", NOW - 10_000), "b", restDoc("b", NOW - 7_200_000))));
    JsonObject etcd = new JsonObject().put("endpoints", new JsonArray()
      .add(new JsonObject().put("key", "/services/dev/cache/1").put("env", "dev").put("service", "cache").put("address", "10.0.0.3:6379")));
    return ServiceOverview.sources(docker, rest, RestIndex.of(1, rest), etcd);
  }

  private static ServiceQuery query(String... pairs) {
    MultiMap params = MultiMap.caseInsensitiveMultiMap();
    for (int i = 0; i < pairs.length; i += 2) {
      params.add(pairs[i], pairs[i + 1]);
    }
    return ServiceQuery.parse(params);
  }

  private static List<String> names(JsonObject page) {
    return page.getJsonArray("services").stream().map(s -> ((JsonObject) s).getString("name")).toList();
  }

  private static JsonObject service(JsonObject page, String name) {
    return page.getJsonArray("services").stream().map(s -> (JsonObject) s).filter(s -> name.equals(s.getString("name")))
      .findFirst().orElseThrow();
  }

  @Test
  void oneSummaryPerServiceWithItsStatesSourcesAndLastChange() {
    JsonObject page = ServicePages.summaries(sources(), query("max_age", "60"), NOW);
    assertEquals(List.of("api", "cache", "db", "web"), names(page));
    JsonObject web = service(page, "web");
    assertEquals(4, web.getInteger("count"));
    assertEquals(new JsonObject().put("checking", 1).put("down", 1).put("maintenance", 1).put("up", 1), web.getJsonObject("states"));
    assertEquals(new JsonObject().put("docker", 4), web.getJsonObject("sources"));
    assertEquals(new JsonArray().add("dev").add("prod"), web.getJsonArray("envs"));
    assertEquals(300L, web.getLong("lastChange"));
    assertFalse(web.containsKey("instances"), "a summary, not every instance");
    JsonObject api = service(page, "api");
    assertEquals(new JsonObject().put("stale", 1).put("unchecked", 1), api.getJsonObject("states"), "REST hosts: nothing checks them");
    assertEquals(NOW - 10_000, api.getLong("lastChange"));
    assertEquals(new JsonObject().put("unchecked", 1), service(page, "cache").getJsonObject("states"));
    assertEquals(4, page.getInteger("total"));
    assertEquals(8L, page.getLong("instances"));
    assertNull(page.getString("next"));

    JsonObject noMaxAge = ServicePages.summaries(sources(), ServiceQuery.all(), NOW);
    assertEquals(new JsonObject().put("unchecked", 2), service(noMaxAge, "api").getJsonObject("states"), "without max_age nothing is stale");
  }

  @Test
  void filtersByEnvAppStateAndName() {
    ServiceOverview.Sources sources = sources();
    JsonObject prod = ServicePages.summaries(sources, query("env", "prod"), NOW);
    assertEquals(List.of("web"), names(prod), "REST hosts have no env; cache and db are dev only");
    assertEquals(2, service(prod, "web").getInteger("count"));

    JsonObject up = ServicePages.summaries(sources, query("state", "up"), NOW);
    assertEquals(List.of("db", "web"), names(up));
    assertEquals(new JsonObject().put("up", 1), service(up, "web").getJsonObject("states"));
    JsonObject upOrStale = ServicePages.summaries(sources, query("state", "up", "state", "stale", "max_age", "60"), NOW);
    assertEquals(List.of("api", "db", "web"), names(upOrStale));
    assertEquals(3L, upOrStale.getLong("instances"));

    assertEquals(List.of("cache", "web"), names(ServicePages.summaries(sources, query("app", "web", "app", "cache"), NOW)));
    assertEquals(List.of("cache"), names(ServicePages.summaries(sources, query("q", "CAC"), NOW)));
    assertEquals(List.of(), names(ServicePages.summaries(sources, query("app", "web", "state", "stale"), NOW)));
  }

  @Test
  void aCursorWalksEveryServiceOncePageByPage() {
    List<String> walked = new ArrayList<>();
    String after = null;
    int pages = 0;
    do {
      JsonObject page = ServicePages.summaries(sources(), after == null ? query("limit", "3") : query("limit", "3", "after", after), NOW);
      assertEquals(4, page.getInteger("total"), "the total counts every page");
      walked.addAll(names(page));
      after = page.getString("next");
      pages++;
    } while (after != null);
    assertEquals(List.of("api", "cache", "db", "web"), walked);
    assertEquals(2, pages);
  }

  @Test
  void oneServicesInstancesPagedAndFiltered() {
    JsonObject first = ServicePages.instances(sources(), "web", query("limit", "3"), NOW);
    assertEquals(List.of("dev-1", "dev-2", "prod-1"), first.getJsonArray("instances").stream().map(i -> ((JsonObject) i).getString("id")).toList());
    assertEquals(4, first.getInteger("total"));
    assertEquals("prod-1", first.getString("next"));
    JsonObject second = ServicePages.instances(sources(), "web", query("limit", "3", "after", "prod-1"), NOW);
    assertEquals(List.of("prod-2"), second.getJsonArray("instances").stream().map(i -> ((JsonObject) i).getString("id")).toList());
    assertNull(second.getString("next"));

    JsonObject down = ServicePages.instances(sources(), "web", query("state", "down", "env", "prod"), NOW);
    assertEquals(1, down.getInteger("total"));
    assertEquals("prod-2", down.getJsonArray("instances").getJsonObject(0).getString("id"));
    assertEquals(0, ServicePages.instances(sources(), "web", query("env", "qa"), NOW).getInteger("total"));

    JsonObject api = ServicePages.instances(sources(), "api", query("max_age", "60"), NOW);
    JsonObject a = api.getJsonArray("instances").getJsonObject(0);
    JsonObject b = api.getJsonArray("instances").getJsonObject(1);
    assertEquals("unchecked", a.getString("state"));
    assertFalse(a.getBoolean("checked"));
    assertEquals(NOW - 10_000, a.getLong("updatedMs"));
    assertEquals("stale", b.getString("state"));
    assertNull(ServicePages.instances(sources(), "nothing", ServiceQuery.all(), NOW), "an unknown service");
  }

  @Test
  void instancesOfAnAppOrEnvOnly() {
    JsonObject body = new JsonObject()
      .put("registrations", new JsonArray().add(new JsonObject().put("instance", instance("dev-1", "dev", "web")))
        .add(new JsonObject().put("instance", instance("dev-db", "dev", "db"))))
      .put("maintenance", new JsonArray().add(new JsonObject().put("instance", instance("prod-1", "prod", "web"))))
      .put("checks", new JsonArray().add(new JsonObject().put("instance", instance("dev-2", "dev", "web"))));
    JsonObject web = ServiceOverview.only(body, java.util.Set.of("web"), java.util.Set.of());
    assertEquals(1, web.getJsonArray("registrations").size());
    assertEquals(1, web.getJsonArray("maintenance").size());
    assertEquals(1, web.getJsonArray("checks").size());
    JsonObject devWeb = ServiceOverview.only(body, java.util.Set.of("web"), java.util.Set.of("dev"));
    assertEquals(0, devWeb.getJsonArray("maintenance").size());
    assertEquals("dev-1", devWeb.getJsonArray("registrations").getJsonObject(0).getJsonObject("instance").getString("id"));
    assertEquals(body, ServiceOverview.only(body, java.util.Set.of(), java.util.Set.of()));
  }

  @Test
  void badParametersAreNamed() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> query("limit", "0")).getMessage().contains("limit"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> query("limit", "1001")).getMessage().contains("limit"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> query("state", "green")).getMessage().contains("state"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> query("max_age", "-1")).getMessage().contains("max_age"));
  }

  @Test
  void theIndexFollowsTheViewsReplacedDocuments() {
    Map<String, Map<String, JsonObject>> rest = new TreeMap<>();
    rest.put("api", new TreeMap<>(Map.of("a", restDoc("a", NOW - 10_000), "b", restDoc("b", NOW - 7_200_000))));
    RestIndex first = RestIndex.of(1, rest);
    assertEquals(1, first.services().get("api").olderThan(NOW - 60_000));
    rest.get("api").put("b", restDoc("b", NOW - 1_000)); // the view holds a new object for a changed host
    rest.put("web", new TreeMap<>(Map.of("w", restDoc("w", NOW - 5_000))));
    RestIndex second = first.next(2, rest);
    assertEquals(0, second.services().get("api").olderThan(NOW - 60_000));
    assertEquals(NOW - 1_000, second.services().get("api").last());
    assertEquals(1, second.services().get("web").count());
    rest.remove("web");
    assertFalse(second.next(3, rest).services().containsKey("web"));
  }

  @Test
  void staleHostsAreCountedByTheirUpdateTimes() {
    RestIndex.Hosts hosts = new RestIndex.Hosts(new long[] {Long.MIN_VALUE, 10, 20, 20, 30});
    assertEquals(1, hosts.olderThan(10), "one has no updated_at");
    assertEquals(2, hosts.olderThan(20));
    assertEquals(4, hosts.olderThan(21));
    assertEquals(30L, hosts.last());
  }
}
