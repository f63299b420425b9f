package dev.pharos.ambassador;

import dev.pharos.ambassador.impl.EndpointCatalog;
import dev.pharos.model.ServiceDocument;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EndpointCatalogTest {

  private static byte[] doc(String ip, int port, String... tags) {
    return ("{\"ipaddress\":\"" + ip + "\",\"host_port\":\"" + port + "\",\"tags\":[" +
      String.join(",", java.util.Arrays.stream(tags).map(t -> "\"" + t + "\"").toList()) + "]}").getBytes(StandardCharsets.UTF_8);
  }

  private static List<String> addresses(EndpointCatalog catalog, String descriptor) {
    return catalog.endpoints(ServiceDescriptor.parse("BACKEND_X", descriptor)).stream().map(ServiceDocument.Endpoint::address).toList();
  }

  @Test
  void matchesByServiceEnvAndEveryTag() {
    EndpointCatalog catalog = new EndpointCatalog();
    catalog.replace(Map.of(
      "/services/prod/redis.master/6379/49161/a", doc("10.0.0.1", 49161, "prod", "stats"),
      "/services/prod/redis.master/6379/49162/b", doc("10.0.0.2", 49162, "prod"),
      "/services/dev/redis.master/6379/49163/c", doc("10.0.0.3", 49163, "dev", "stats"),
      "/services/prod/apache/80/49173/d", doc("10.0.0.4", 49173, "prod")));
    assertEquals(List.of("10.0.0.3:49163", "10.0.0.1:49161", "10.0.0.2:49162"), addresses(catalog, "redis.master;6379"));
    assertEquals(List.of("10.0.0.1:49161"), addresses(catalog, "redis.master[prod,stats];6379/tcp"));
    assertEquals(List.of("10.0.0.3:49163"), addresses(catalog, "/services/dev/redis.master;6379/tcp"));
    assertEquals(List.of(), addresses(catalog, "/services/dev/redis.master[prod];6379/tcp"));
  }

  @Test
  void aBadDocumentIsAProblemAndTheOthersStay() {
    EndpointCatalog catalog = new EndpointCatalog();
    assertTrue(catalog.put("/services/dev/web/80/1/a", doc("10.0.0.1", 1, "dev")));
    assertTrue(catalog.put("/services/dev/web/80/2/b", "{\"host_port\":\"2\"}".getBytes(StandardCharsets.UTF_8)));
    assertTrue(catalog.put("/services/dev/web/80/3/c", "not json".getBytes(StandardCharsets.UTF_8)));
    assertFalse(catalog.put("/services/dev/web", doc("10.0.0.9", 9)), "not an instance key");
    assertEquals(List.of("10.0.0.1:1"), addresses(catalog, "web;80"));
    assertTrue(catalog.problems().get("/services/dev/web/80/2/b").contains("ipaddress"));
    assertTrue(catalog.problems().get("/services/dev/web/80/3/c").startsWith("not JSON"));
    catalog.put("/services/dev/web/80/2/b", doc("10.0.0.2", 2));
    assertEquals(List.of("10.0.0.1:1", "10.0.0.2:2"), addresses(catalog, "web;80"));
    assertFalse(catalog.problems().containsKey("/services/dev/web/80/2/b"));
    catalog.delete("/services/dev/web/80/1/a");
    assertEquals(List.of("10.0.0.2:2"), addresses(catalog, "web;80"));
  }
}
