package dev.pharos.serf;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigFilesTest {

  private static ConfigUpdate parse(String json) {
    return ConfigUpdate.parse(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void theSeedsUpdateIsStoredWithItsVersionAndAnOlderOneIgnored(@TempDir Path dir) throws Exception {
    ConfigFiles files = new ConfigFiles(dir);
    ConfigUpdate update = parse("{\"p\":\"product1\",\"k\":\"security\",\"v\":12,\"c\":{\"user\":\"myUser\",\"pass\":\"mySecret\"}}");
    assertEquals(ConfigFiles.Outcome.STORED, files.apply(update));
    JsonObject stored = new JsonObject(Files.readString(dir.resolve("product1/security.json")));
    assertEquals(new JsonObject().put("_version", 12).put("user", "myUser").put("pass", "mySecret"), stored);
    assertEquals(ConfigFiles.Outcome.IGNORED, files.apply(parse("{\"p\":\"product1\",\"k\":\"security\",\"v\":11,\"c\":{\"user\":\"old\"}}")));
    assertEquals(ConfigFiles.Outcome.IGNORED, files.apply(update), "the same version again changes nothing");
    assertEquals("myUser", new JsonObject(Files.readString(dir.resolve("product1/security.json"))).getString("user"));
    assertEquals(ConfigFiles.Outcome.STORED, files.apply(parse("{\"p\":\"product1\",\"k\":\"security\",\"v\":13,\"c\":{\"user\":\"new\"}}")));
    try (var listing = Files.list(dir.resolve("product1"))) {
      assertEquals(1, listing.count(), "no temporary file left behind");
    }
  }

  private static void refused(String json, String mentions) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(json));
    assertTrue(e.getMessage().contains(mentions), e.getMessage());
  }

  @Test
  void badPayloadsAreRefusedNamingTheField() {
    refused("not json", "not JSON");
    refused("[1,2]", "p, k, v, c");
    refused("{\"k\":\"s\",\"v\":1,\"c\":{}}", "field p");
    refused("{\"p\":\"a\",\"v\":1,\"c\":{}}", "field k");
    refused("{\"p\":\"a\",\"k\":\"s\",\"v\":\"12\",\"c\":{}}", "field v");
    refused("{\"p\":\"a\",\"k\":\"s\",\"v\":1.5,\"c\":{}}", "field v");
    refused("{\"p\":\"a\",\"k\":\"s\",\"v\":1,\"c\":[]}", "field c");
    refused("{\"p\":\"../etc\",\"k\":\"s\",\"v\":1,\"c\":{}}", "field p");
    refused("{\"p\":\"..\",\"k\":\"s\",\"v\":1,\"c\":{}}", "field p");
    refused("{\"p\":\"a\",\"k\":\"x\\ny\",\"v\":1,\"c\":{}}", "field k");
  }

  @Test
  void aPayloadOverSerfsLimitIsRefusedBeforeSending() {
    ConfigUpdate big = new ConfigUpdate("p", "k", 1, new JsonObject().put("x", "y".repeat(600)));
    assertTrue(assertThrows(IllegalArgumentException.class, big::payload).getMessage().contains("512"));
    assertTrue(parse(new String(new ConfigUpdate("p", "k", 1, new JsonObject()).payload(), StandardCharsets.UTF_8)).config().isEmpty());
  }

  @Test
  void writesOnlyWhatChanged(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("conf/services.json");
    assertTrue(ConfigFiles.writeIfChanged(file, "a".getBytes()));
    assertFalse(ConfigFiles.writeIfChanged(file, "a".getBytes()));
    assertTrue(ConfigFiles.writeIfChanged(file, "b".getBytes()));
  }
}
