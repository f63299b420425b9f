package dev.pharos.api.impl;

import dev.pharos.model.Container;
import dev.pharos.model.Host;
import dev.pharos.model.Instance;
import dev.pharos.model.ServiceDocument;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ServiceOverviewTest {

  private static Instance instance(String id, int port) {
    return new Instance(id, "dev", "web", "h1", "c-" + id, "127.0.0.1", port, new JsonObject(),
      ServiceDocument.of(new Host("h1", "127.0.0.1"), Container.of("c-" + id, "web-" + id, "img", Map.of(), List.of(), false),
        "dev", "web", 80, port, "tcp"));
  }

  private static JsonObject byId(ServiceOverview.Sources overview, String id) {
    for (String service : overview.names()) {
      for (JsonObject i : overview.instances(service, null, 0)) {
        if (id.equals(i.getString("id"))) {
          return i;
        }
      }
    }
    return null;
  }

  @Test
  void everySourceWithItsStateAndOurOwnEtcdDocumentsOnlyOnce() {
    Instance registered = instance("h1-aaa", 8080);
    Instance checking = instance("h1-bbb", 8081);
    Instance drained = instance("h1-ccc", 8082);
    JsonObject instances = new JsonObject()
      .put("registrations", new JsonArray().add(new JsonObject().put("instance", registered.toJson()).put("path", "/p").put("since", 5L)))
      .put("maintenance", new JsonArray().add(new JsonObject().put("instance", drained.toJson()).put("since", 7L).put("reason", "disk")))
      .put("checks", new JsonArray()
        .add(new JsonObject().put("instance", registered.toJson()).put("up", true).put("checks", new JsonArray().add(new JsonObject().put("type", "tcp"))))
        .add(new JsonObject().put("instance", checking.toJson()).putNull("up")));
    Map<String, Map<String, JsonObject>> rest = Map.of("web", Map.of("rest-host",
      new JsonObject().put("name", "rest-host").put("endpoints", new JsonObject().put("http", "http://10.0.0.9/")).put("updated_at", "x")));
    JsonObject etcd = new JsonObject().put("endpoints", new JsonArray()
      .add(new JsonObject().put("key", registered.documentPath()).put("service", "web").put("address", "127.0.0.1:8080"))
      .add(new JsonObject().put("key", "/services/dev/db/5432/15432/x").put("env", "dev").put("service", "db").put("address", "10.0.0.2:15432")));

    ServiceOverview.Sources overview = ServiceOverview.sources(instances, rest, RestIndex.of(1, rest), etcd);

    assertEquals(List.of("db", "web"), List.copyOf(overview.names()));
    JsonObject a = byId(overview, "h1-aaa");
    assertEquals("up", a.getString("state"));
    assertEquals(5L, a.getLong("since"));
    assertTrue(a.getBoolean("registered"));
    assertEquals("tcp", a.getJsonArray("checks").getJsonObject(0).getString("type"));
    assertEquals("checking", byId(overview, "h1-bbb").getString("state"));
    assertFalse(byId(overview, "h1-bbb").getBoolean("registered"));
    JsonObject c = byId(overview, "h1-ccc");
    assertEquals("maintenance", c.getString("state"));
    assertEquals("disk", c.getString("reason"));
    assertEquals("rest", byId(overview, "rest-host").getString("source"));
    assertEquals("unchecked", byId(overview, "rest-host").getString("state"), "nothing checks a REST host: it is not shown up");
    assertFalse(byId(overview, "rest-host").getBoolean("checked"));
    assertEquals("http://10.0.0.9/", byId(overview, "rest-host").getString("address"));
    assertEquals("etcd", byId(overview, "/services/dev/db/5432/15432/x").getString("source"));
    assertNull(byId(overview, registered.documentPath()), "a document our registrar wrote shows as its Docker instance, once");
  }

  @Test
  void withoutAnAmbassadorThereIsNoEtcdSource() {
    ServiceOverview.Sources overview = ServiceOverview.sources(new JsonObject(), Map.of(), RestIndex.EMPTY, null);
    assertTrue(overview.names().isEmpty());
    assertTrue(overview.etcd().isEmpty());
  }
}
