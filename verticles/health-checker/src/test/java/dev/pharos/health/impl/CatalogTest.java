package dev.pharos.health.impl;

import dev.pharos.model.Container;
import dev.pharos.model.Host;
import dev.pharos.model.Instance;
import dev.pharos.model.PortBinding;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which part of the registry each fact can change: what the checker re-joins, and nothing more. */
class CatalogTest {

  private static JsonObject container(String id) {
    return Container.of(id, "c-" + id, "img", Map.of("sd-env", "dev", "sd-name", "web"),
      List.of(new PortBinding(80, 8080, "tcp")), false).toJson();
  }

  private static JsonObject fact(String type, String host, JsonObject body) {
    return body.put("type", type).put("host", new Host(host, "10.0.0.1").toJson());
  }

  @Test
  void aSnapshotScopesItsHostAnUpOrDownItsContainerAndAHealthFactNothing() {
    Catalog catalog = new Catalog();
    Catalog.Applied snapshot = catalog.applyContainers(fact("snapshot", "h1", new JsonObject()
      .put("containers", new JsonArray().add(container("aaa")))));
    assertEquals(new Catalog.Scope("h1", null), snapshot.scope());
    assertTrue(snapshot.snapshot());
    assertTrue(catalog.snapshotted("h1"));

    Catalog.Applied up = catalog.applyContainers(fact("up", "h2", new JsonObject().put("container", container("bbb"))));
    assertEquals(new Catalog.Scope("h2", null, "bbb"), up.scope(), "an up changes its own container, not its host's others");
    assertFalse(up.snapshot());
    assertEquals(new Catalog.Scope("h2", null, "ccc"),
      catalog.applyContainers(fact("down", "h2", new JsonObject().put("container", container("ccc")))).scope());

    Catalog.Applied health = catalog.applyContainers(fact("health", "h2", new JsonObject().put("id", "bbb").put("health", "healthy")));
    assertNull(health.scope(), "a health verdict changes no instance");
    Instance bbb = new Instance("h2-bbb", "dev", "web", "h2", "bbb", "10.0.0.1", 8080, new JsonObject(), new JsonObject());
    assertEquals("healthy", catalog.health(bbb));
    assertEquals("none", catalog.health(new Instance("h1-aaa", "dev", "web", "h1", "aaa", "10.0.0.1", 8080,
      new JsonObject(), new JsonObject())), "a container without a HEALTHCHECK");
    assertTrue(catalog.applyContainers(fact("exploded", "h2", new JsonObject())).unknown());
  }

  private static JsonObject labelled(String id, String app) {
    return Container.of(id, "c-" + id, "img", Map.of("sd-env", "dev", "sd-name", app),
      List.of(new PortBinding(80, 8080, "tcp")), false).toJson();
  }

  private static List<String> visited(Catalog catalog, Catalog.Scope scope) {
    List<String> ids = new java.util.ArrayList<>();
    catalog.forEachLabelled(scope, (host, container) -> ids.add(host.id() + ":" + container.id()));
    java.util.Collections.sort(ids);
    return ids;
  }

  @Test
  void anAppsContainersAreFoundThroughTheIndexAsTheyComeGoAndChangeLabels() {
    Catalog catalog = new Catalog();
    catalog.applyContainers(fact("snapshot", "h1", new JsonObject().put("containers", new JsonArray()
      .add(labelled("a1", "web")).add(labelled("a2", "api")).add(Container.of("u1", "plain", "img", Map.of(), List.of(), false).toJson()))));
    catalog.applyContainers(fact("up", "h2", new JsonObject().put("container", labelled("b1", "web"))));
    assertEquals(List.of("h1:a1", "h2:b1"), visited(catalog, new Catalog.Scope(null, "dev/web")));
    assertEquals(List.of("h1:a2"), visited(catalog, new Catalog.Scope(null, "dev/api")));
    assertEquals(List.of("h1:a1", "h1:a2"), visited(catalog, new Catalog.Scope("h1", null)), "unlabelled containers are skipped");
    assertEquals(List.of("h1:a2"), visited(catalog, new Catalog.Scope("h1", null, "a2")), "one container, found without a walk");
    assertEquals(List.of(), visited(catalog, new Catalog.Scope("h1", null, "u1")), "unlabelled");
    assertEquals(List.of(), visited(catalog, new Catalog.Scope("h2", null, "a2")), "not on that host");

    catalog.applyContainers(fact("up", "h2", new JsonObject().put("container", labelled("b1", "api"))));
    assertEquals(List.of("h1:a1"), visited(catalog, new Catalog.Scope(null, "dev/web")), "relabelled: it left web");
    assertEquals(List.of("h1:a2", "h2:b1"), visited(catalog, new Catalog.Scope(null, "dev/api")));
    catalog.applyContainers(fact("down", "h2", new JsonObject().put("container", labelled("b1", "api"))));
    catalog.applyContainers(fact("snapshot", "h1", new JsonObject().put("containers", new JsonArray().add(labelled("a3", "web")))));
    assertEquals(List.of("h1:a3"), visited(catalog, new Catalog.Scope(null, "dev/web")), "a snapshot replaces the host's");
    assertEquals(List.of(), visited(catalog, new Catalog.Scope(null, "dev/api")));
  }

  @Test
  void oneContainerIdOnTwoHostsIsTwoContainersOfItsApp() {
    Catalog catalog = new Catalog();
    catalog.applyContainers(fact("up", "h1", new JsonObject().put("container", labelled("same", "web"))));
    catalog.applyContainers(fact("up", "h2", new JsonObject().put("container", labelled("same", "web"))));
    assertEquals(List.of("h1:same", "h2:same"), visited(catalog, new Catalog.Scope(null, "dev/web")));
    catalog.applyContainers(fact("down", "h1", new JsonObject().put("container", labelled("same", "web"))));
    assertEquals(List.of("h2:same"), visited(catalog, new Catalog.Scope(null, "dev/web")));
  }

  @Test
  void aDefinitionFactScopesItsApp() {
    Catalog catalog = new Catalog();
    JsonObject definition = new JsonObject().put("env", "dev").put("app", "web").put("path", "/env/dev/sd/web")
      .put("version", 3).put("checkIntervalMs", 500).put("checks", new JsonArray());
    assertEquals(new Catalog.Scope(null, "dev/web"),
      catalog.applyDefinition(new JsonObject().put("type", "put").put("definition", definition)).scope());
    assertEquals(3, catalog.definition("dev/web").version());
    assertEquals(new Catalog.Scope(null, "dev/web"), catalog.applyDefinition(new JsonObject().put("type", "delete")
      .put("env", "dev").put("app", "web").put("version", 2)).scope());
    assertEquals(3, catalog.definition("dev/web").version(), "an older delete leaves a newer definition");
    catalog.applyDefinition(new JsonObject().put("type", "delete").put("env", "dev").put("app", "web").put("version", 3));
    assertNull(catalog.definition("dev/web"));
  }

  @Test
  void aScopeCoversItsHostOrItsAppOrEverything() {
    assertTrue(Catalog.Scope.ALL.covers("h1", "dev/web"));
    assertTrue(new Catalog.Scope("h1", null).covers("h1", "dev/api"));
    assertFalse(new Catalog.Scope("h1", null).covers("h2", "dev/web"));
    assertTrue(new Catalog.Scope(null, "dev/web").covers("h9", "dev/web"));
    assertFalse(new Catalog.Scope(null, "dev/web").covers("h1", "dev/api"));
  }
}
