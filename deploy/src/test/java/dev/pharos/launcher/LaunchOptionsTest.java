package dev.pharos.launcher;

import dev.pharos.PharosConfig;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LaunchOptionsTest {

  @Test
  void nesoisOptionsBecomeConf() {
    LaunchOptions options = LaunchOptions.parse(new String[]{
      "--address", "10.2.2.2", "--port", "6553", "--data-file", "/var/lib/pharos", "--seed", "10.2.2.1:6553"});
    JsonObject conf = PharosConfig.resolve(options.conf().mergeIn(options.overrides(), true), Map.of());
    assertEquals("10.2.2.2", conf.getJsonObject("api").getString("host"));
    assertEquals(6553, conf.getJsonObject("api").getInteger("port"));
    assertEquals("/var/lib/pharos", conf.getJsonObject("zookeeper").getJsonObject("embedded").getString("dataDir"));
    assertEquals(2181, conf.getJsonObject("zookeeper").getJsonObject("embedded").getInteger("port"), "the rest stays");
    assertEquals("10.2.2.1:6553", conf.getString("seed"));
  }

  @Test
  void badOptionsAreRefusedByName() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> LaunchOptions.parse(new String[]{"--port", "http"}))
      .getMessage().contains("--port"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> LaunchOptions.parse(new String[]{"--seed", "nohost"}))
      .getMessage().contains("HOST:PORT"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> LaunchOptions.parse(new String[]{"--bogus", "1"}))
      .getMessage().contains("--bogus"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> LaunchOptions.parse(new String[]{"--conf"}))
      .getMessage().contains("--conf"));
    assertTrue(LaunchOptions.parse(new String[]{"--help"}).help());
  }
}
