package dev.pharos.harness;

import dev.pharos.launcher.Pharos;
import dev.pharos.serf.SerfAgent;
import dev.pharos.serf.SerfEvent;
import dev.pharos.serf.SerfRpcClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static dev.pharos.harness.Harness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Serfnode's job on a real dockerd and real serf agents: a container with a {@code /serfnode}
 * bind mount becomes a child, gets its container infos, the cluster's files and its FIFO, and
 * what it writes to the FIFO reaches another node; when it goes, the node's files forget it.
 */
class SerfnodeIT extends EndToEndTest {

  private static JsonObject read(Path file) throws Exception {
    return new JsonObject(Files.readString(file));
  }

  @Test
  void aContainerWithASerfnodeMountIsAChildWithItsFilesAndItsPipe(@TempDir Path dir) throws Exception {
    Vertx vertx = Vertx.vertx(); // the test's own serf client, apart from the node under test
    try (SerfAgent a = SerfAgent.start("serfnode-a", Map.of("role", "web", "timestamp", "10"), null, null, dir.resolve("a.log"));
         SerfAgent b = SerfAgent.start("serfnode-b", Map.of("role", "db", "timestamp", "20"), a, null, dir.resolve("b.log"));
         SerfRpcClient clientB = SerfRpcClient.connect(vertx, "127.0.0.1", b.rpcPort(), null).await(10, TimeUnit.SECONDS)) {
      List<SerfEvent> atB = new CopyOnWriteArrayList<>();
      clientB.stream("user:deploy", atB::add).await(5, TimeUnit.SECONDS);
      Path root = dir.resolve("root");
      Pharos node = harness.start(harness.conf("serfnode-" + harness.runId(), new JsonObject()
        .put("verticles", new JsonObject().put("docker-watcher", new JsonObject()).put("serf-bridge", new JsonObject()))
        .put("serf", new JsonObject().put("rpc", "127.0.0.1:" + a.rpcPort()).put("confDir", dir.resolve("conf").toString())
          .put("configsDir", dir.resolve("configs").toString()).put("serfnodeRoot", root.toString()))));
      await("the node's own me.json", () -> Files.exists(root.resolve("me.json")));
      assertEquals("serfnode-a", read(root.resolve("me.json")).getString("id"), "the local agent's member name");
      assertNull(read(root.resolve("me.json")).getValue("inspect"), "Pharos runs on the host here, in no container");

      Path childDir = dir.resolve("child-1");
      Files.createDirectories(childDir);
      String name = "serfchild-" + harness.runId();
      String child = harness.runMounted(name, childDir, "/serfnode", List.of("sleep", "600"));

      await("the child's me.json holds its docker inspect", () -> Files.exists(childDir.resolve("me.json"))
        && read(childDir.resolve("me.json")).getJsonObject("inspect") != null);
      JsonObject me = read(childDir.resolve("me.json"));
      assertEquals("serfnode-a", me.getString("id"), "a child is known by the node managing it");
      assertEquals(child, me.getJsonObject("inspect").getString("Id"));
      assertEquals("/" + name, me.getJsonObject("inspect").getString("Name"), "Docker's own field names");
      assertTrue(me.getJsonObject("inspect").getJsonObject("State").getBoolean("Running"));
      assertEquals(read(root.resolve("me.json")), read(childDir.resolve("parent.json")), "parent.json is the node's me.json");

      // the file lists a child first, then again with its docker inspect once the watcher answered
      await("the node's children_by_name.json", () -> read(root.resolve("children_by_name.json")).containsKey(name)
        && read(root.resolve("children_by_name.json")).getJsonObject(name).getJsonObject("inspect") != null);
      assertEquals(child, read(root.resolve("children_by_name.json")).getJsonObject(name).getJsonObject("inspect").getString("Id"));
      await("the cluster's files in the child", () -> Files.exists(childDir.resolve("serfnodes_by_id.json"))
        && read(childDir.resolve("serfnodes_by_id.json")).size() == 2);
      assertEquals("serfnode-a", read(childDir.resolve("serfnodes_by_role.json")).getJsonArray("web").getJsonObject(0).getString("id"));
      await("the child's hosts file", () -> Files.exists(childDir.resolve("hosts")));
      assertTrue(Files.readString(childDir.resolve("hosts")).contains("127.0.0.1 db\n"), Files.readString(childDir.resolve("hosts")));

      await("the child's FIFO", () -> Files.exists(childDir.resolve("parent")));
      harness.exec(child, "sh", "-c", "echo '[\"deploy\", {\"version\": 7}]' > /serfnode/parent");
      await("the child's event reaches node b", () -> !atB.isEmpty());
      assertEquals("{\"version\":7}", new String(atB.get(0).payload(), StandardCharsets.UTF_8));

      harness.remove(child);
      await("the node forgets the child", () -> !read(root.resolve("children_by_name.json")).containsKey(name));
      assertFalse(read(root.resolve("children_by_name.json")).containsKey(name));
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void configIsSentOverHttpAsAnEventOrAQueryAndBadRequestsGet400(@TempDir Path dir) throws Exception {
    try (SerfAgent a = SerfAgent.start("config-a", Map.of(), null, null, dir.resolve("a.log"));
         SerfAgent b = SerfAgent.start("config-b", Map.of(), a, null, dir.resolve("b.log"))) {
      Path configs = dir.resolve("configs");
      Pharos node = harness.start(harness.conf("serfconf-" + harness.runId(), new JsonObject()
        .put("verticles", new JsonObject().put("api", new JsonObject()).put("serf-bridge", new JsonObject()))
        .put("serf", new JsonObject().put("rpc", "127.0.0.1:" + a.rpcPort()).put("confDir", dir.resolve("conf").toString())
          .put("configsDir", configs.toString()))));
      String api = Harness.api(node);
      await("the bridge connected", () -> Http.send("POST", api + "/v1/serf/config",
        "{\"p\":\"shop\",\"k\":\"db\",\"v\":1,\"c\":{\"url\":\"pg://one\"}}").statusCode() == 200);
      await("the event stored", () -> Files.exists(configs.resolve("shop/db.json")));

      var query = Http.send("POST", api + "/v1/serf/config?as=query", "{\"p\":\"shop\",\"k\":\"db\",\"v\":2,\"c\":{\"url\":\"pg://two\"}}");
      assertEquals(200, query.statusCode(), query.body());
      JsonObject answer = new JsonObject(query.body());
      assertEquals("stored", answer.getJsonObject("answers").getString("config-a"), query.body());
      assertTrue(answer.getJsonArray("acks").contains("config-b"), query.body());
      assertEquals("pg://two", read(configs.resolve("shop/db.json")).getString("url"));

      var tooBig = Http.send("POST", api + "/v1/serf/config", "{\"p\":\"shop\",\"k\":\"db\",\"v\":3,\"c\":{\"x\":\""
        + "y".repeat(600) + "\"}}");
      assertEquals(400, tooBig.statusCode());
      assertTrue(new JsonObject(tooBig.body()).getString("error").contains("512"), tooBig.body());
      assertEquals(400, Http.send("POST", api + "/v1/serf/config?as=gossip", "{}").statusCode());
      assertEquals(400, Http.send("POST", api + "/v1/serf/config", "not json").statusCode());
      assertEquals("pg://two", read(configs.resolve("shop/db.json")).getString("url"), "refused payloads change nothing");
    }
  }
}
