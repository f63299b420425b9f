package dev.pharos.ambassador.impl;

import dev.pharos.catalog.CatalogEndpoint;
import dev.pharos.catalog.ConsumerCatalog;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EtcdDocumentsTest {

  private static ConsumerCatalog catalog() {
    ConsumerCatalog catalog = ConsumerCatalog.detached();
    catalog.feed().put(etcd("/services/prod/redis/6379/1/a", "prod", "redis", 1));
    catalog.feed().put(etcd("/services/prod/redis/6379/2/b", "prod", "redis", 2));
    catalog.feed().put(etcd("/services/dev/redis/6379/3/c", "dev", "redis", 3));
    catalog.feed().put(etcd("/services/prod/web/80/4/d", "prod", "web", 4));
    catalog.feed().put(new CatalogEndpoint(CatalogEndpoint.ZOOKEEPER, "/env/prod/sd/web/sd/x", "prod", "web", "10.0.0.9", 9,
      Set.of(), 1, false));
    return catalog;
  }

  private static CatalogEndpoint etcd(String key, String env, String app, int port) {
    return new CatalogEndpoint(CatalogEndpoint.ETCD, key, env, app, "10.0.0.1", port, Set.of(env), 1, false);
  }

  private static List<String> keys(JsonObject answer) {
    return answer.getJsonArray("endpoints").stream().map(o -> ((JsonObject) o).getString("key")).toList();
  }

  @Test
  void anEmptyRequestGetsEveryDocumentAndAFilterThoseOfItsServicesAndEnvs() {
    ConsumerCatalog catalog = catalog();
    assertEquals(4, keys(EtcdDocuments.answer(catalog, new JsonObject())).size());
    assertEquals(List.of("/services/dev/redis/6379/3/c", "/services/prod/redis/6379/1/a", "/services/prod/redis/6379/2/b"),
      keys(EtcdDocuments.answer(catalog, new JsonObject().put("apps", new JsonArray().add("redis")))));
    assertEquals(List.of("/services/dev/redis/6379/3/c"),
      keys(EtcdDocuments.answer(catalog, new JsonObject().put("apps", new JsonArray().add("redis")).put("envs", new JsonArray().add("dev")))));
    assertEquals(List.of(), keys(EtcdDocuments.answer(catalog, new JsonObject().put("apps", new JsonArray().add("nothing")))));
  }

  @Test
  void countsAreByServiceAndEnvWithoutTheKeysExcepted() {
    ConsumerCatalog catalog = catalog();
    assertEquals(new JsonObject().put("redis", new JsonObject().put("dev", 1).put("prod", 2)).put("web", new JsonObject().put("prod", 1)),
      EtcdDocuments.answer(catalog, new JsonObject().put("counts", true)).getJsonObject("counts"));
    JsonObject except = new JsonObject().put("counts", true).put("except", new JsonArray()
      .add("/services/prod/redis/6379/1/a").add("/services/prod/web/80/4/d").add("/services/never/written"));
    assertEquals(new JsonObject().put("redis", new JsonObject().put("dev", 1).put("prod", 1)),
      EtcdDocuments.answer(catalog, except).getJsonObject("counts"));
    // counting costs the catalog nothing: asked again, the same
    assertEquals(2, EtcdDocuments.answer(catalog, new JsonObject().put("counts", true)).getJsonObject("counts").size());
  }

  @Test
  void aMalformedFieldIsNamed() {
    ConsumerCatalog catalog = catalog();
    assertTrue(assertThrows(IllegalArgumentException.class,
      () -> EtcdDocuments.answer(catalog, new JsonObject().put("counts", "yes"))).getMessage().startsWith("counts:"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> EtcdDocuments.answer(catalog,
      new JsonObject().put("counts", true).put("except", new JsonArray().add(1)))).getMessage().startsWith("except:"));
    assertTrue(assertThrows(IllegalArgumentException.class,
      () -> EtcdDocuments.answer(catalog, new JsonObject().put("apps", "redis"))).getMessage().startsWith("apps:"));
  }
}
