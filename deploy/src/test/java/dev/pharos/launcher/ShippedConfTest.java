package dev.pharos.launcher;

import dev.pharos.PharosConfig;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every conf file shipped in conf/ resolves and names only stages the launcher knows. */
class ShippedConfTest {

  @Test
  void everyShippedConfIsUsable() throws Exception {
    List<Path> confs;
    try (Stream<Path> files = Files.list(Path.of("../conf"))) {
      confs = files.filter(p -> p.toString().endsWith(".json")).toList();
    }
    assertFalse(confs.isEmpty());
    for (Path conf : confs) {
      JsonObject resolved = PharosConfig.resolve(Buffer.buffer(Files.readAllBytes(conf)).toJsonObject(), Map.of());
      assertFalse(resolved.getJsonObject("verticles").isEmpty(), conf + " runs no stage");
      for (String stage : resolved.getJsonObject("verticles").fieldNames()) {
        assertTrue(Stages.ALL.containsKey(stage), conf + " names an unknown stage " + stage);
      }
      assertTrue(resolved.getString("instanceId") != null && resolved.getJsonObject("zookeeper") != null, conf.toString());
    }
  }

  @Test
  void theEnvironmentOverridesTheConf() {
    JsonObject resolved = PharosConfig.resolve(new JsonObject().put("hostIp", "10.0.0.1"),
      Map.of("HOST_IP", "10.0.0.5", "ZK_HOSTS", "zk1:2181,zk2:2181", "INSTANCE_ID", "host-7",
        "ETCD_ENDPOINTS", "http://e1:2379, http://e2:2379"));
    assertEquals("10.0.0.5", resolved.getString("hostIp"));
    assertEquals("zk1:2181,zk2:2181", resolved.getJsonObject("zookeeper").getString("connect"));
    assertEquals("host-7", resolved.getString("instanceId"));
    assertEquals(List.of("http://e1:2379", "http://e2:2379"), resolved.getJsonObject("etcd").getJsonArray("endpoints").getList());
    assertEquals(6553, resolved.getJsonObject("api").getInteger("port"), "defaults stay under the overrides");
  }

  @Test
  void aNodesStagesAreItsOwnList() {
    JsonObject resolved = PharosConfig.resolve(new JsonObject()
      .put("verticles", new JsonObject().put("registrar", new JsonObject())), Map.of());
    assertEquals(List.of("registrar"), List.copyOf(resolved.getJsonObject("verticles").fieldNames()));
  }
}
