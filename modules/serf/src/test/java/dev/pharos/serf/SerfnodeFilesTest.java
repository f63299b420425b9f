package dev.pharos.serf;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SerfnodeFilesTest {

  private static final List<SerfMember> MEMBERS = List.of(
    new SerfMember("b", "10.0.0.2", 7946, Map.of("role", "web", "timestamp", "200", "service_ip", "172.17.0.2",
      "service_port", "80", "ports", "{\"80/tcp\":49153}"), "alive"),
    new SerfMember("a", "10.0.0.1", 7946, Map.of("role", "web", "timestamp", "100"), "alive"),
    new SerfMember("z", "10.0.0.9", 7946, Map.of("role", "web", "timestamp", "1"), "failed"));

  @Test
  void nodeInfoHasTheSeedsSchema() {
    JsonObject b = SerfnodeFiles.byId(MEMBERS).getJsonObject("b");
    assertEquals(List.of("id", "role", "ports", "serf_ip", "serf_port", "service_ip", "service_port", "timestamp"),
      List.copyOf(b.fieldNames()));
    assertEquals("10.0.0.2", b.getString("serf_ip"));
    assertEquals("7946", b.getString("serf_port"));
    assertEquals("172.17.0.2", b.getString("service_ip"));
    assertEquals(49153, b.getJsonObject("ports").getInteger("80/tcp"));
    assertEquals(List.of("a", "b"), List.copyOf(SerfnodeFiles.byId(MEMBERS).fieldNames()), "alive only");
  }

  @Test
  void byRoleListsTheOldestFirst() {
    assertEquals(List.of("a", "b"), SerfnodeFiles.byRole(MEMBERS).getJsonArray("web").stream()
      .map(o -> ((JsonObject) o).getString("id")).toList());
  }

  @Test
  void containerInfosWrapDockersInspectUnderTheManagingNode() {
    JsonObject inspect = new JsonObject().put("Id", "abc123").put("Name", "/web-1");
    assertEquals(new JsonObject().put("id", "node-a").put("inspect", inspect), SerfnodeFiles.containerInfo("node-a", inspect));
    JsonObject byName = SerfnodeFiles.childrenByName("node-a", Map.of("web-2", new JsonObject(), "web-1", inspect));
    assertEquals(List.of("web-1", "web-2"), List.copyOf(byName.fieldNames()));
    assertEquals("node-a", byName.getJsonObject("web-1").getString("id"));
    assertEquals("/web-1", byName.getJsonObject("web-1").getJsonObject("inspect").getString("Name"));
  }

  @Test
  void fifoLinesAreEventsOrRefusedWithAReason() {
    var event = SerfnodeFiles.fifoEvent("[\"deploy\", {\"version\": 2}]");
    assertEquals("deploy", event.getKey());
    assertEquals("{\"version\":2}", new String(event.getValue(), StandardCharsets.UTF_8));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> SerfnodeFiles.fifoEvent("deploy v2")).getMessage().contains("not JSON"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> SerfnodeFiles.fifoEvent("{\"a\":1}")).getMessage().contains("event_name"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> SerfnodeFiles.fifoEvent("[\"a b\", {}]")).getMessage().contains("plain"));
    assertTrue(assertThrows(IllegalArgumentException.class,
      () -> SerfnodeFiles.fifoEvent("[\"big\", {\"x\":\"" + "y".repeat(600) + "\"}]")).getMessage().contains("512"));
  }
}
