package dev.pharos.serfbridge;

import dev.pharos.testing.EventLoopGuard;
import dev.pharos.bus.Addresses;
import dev.pharos.serf.SerfAgent;
import dev.pharos.serf.SerfEvent;
import dev.pharos.serf.SerfRpcClient;
import dev.pharos.testing.Await;
import dev.pharos.testing.StageProblems;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Serfnode's files for the node and a child directory, and the child's FIFO reaching another node. */
@ExtendWith(EventLoopGuard.class)
class SerfnodeBridgeTest {


  @Test
  void serfnodeFilesAndTheFifoPipe(@TempDir Path dir, Vertx vertx) throws Exception {
    try (SerfAgent a = SerfAgent.start("node-a", Map.of("role", "web", "timestamp", "100", "service_port", "80"), null, null,
           dir.resolve("a.log"));
         SerfAgent b = SerfAgent.start("node-b", Map.of("role", "web", "timestamp", "50"), a, null, dir.resolve("b.log"));
         SerfRpcClient clientB = SerfRpcClient.connect(vertx, "127.0.0.1", b.rpcPort(), null).await(10, TimeUnit.SECONDS)) {
      List<SerfEvent> atB = new CopyOnWriteArrayList<>();
      clientB.stream("user:deploy", atB::add).await(5, TimeUnit.SECONDS);
      Path root = dir.resolve("serfnode-root");
      Path child = dir.resolve("child1/serfnode");
      vertx.deployVerticle(new SerfBridgeVerticle(), new DeploymentOptions().setConfig(new JsonObject().put("instanceId", "h1")
        .put("serf", new JsonObject().put("rpc", "127.0.0.1:" + a.rpcPort()).put("confDir", dir.resolve("conf").toString())
          .put("configsDir", dir.resolve("configs").toString()).put("serfnodeRoot", root.toString())
          .put("children", new JsonArray().add(child.toString()))))).await(20, TimeUnit.SECONDS);

      Await.until("both nodes in the root's and the child's files", () -> Files.exists(child.resolve("serfnodes_by_role.json"))
        && new JsonObject(Files.readString(root.resolve("serfnodes_by_id.json"))).size() == 2
        && new JsonObject(Files.readString(child.resolve("serfnodes_by_id.json"))).size() == 2);
      JsonArray web = new JsonObject(Files.readString(child.resolve("serfnodes_by_role.json"))).getJsonArray("web");
      assertEquals(List.of("node-b", "node-a"), web.stream().map(o -> ((JsonObject) o).getString("id")).toList(), "oldest first");
      assertEquals("80", new JsonObject(Files.readString(root.resolve("serfnodes_by_id.json"))).getJsonObject("node-a")
        .getString("service_port"));

      // written after the serfnodes files, in the same round
      Await.until("the child's hosts file", () -> Files.exists(child.resolve("hosts")));
      assertTrue(Files.readString(child.resolve("hosts")).contains("127.0.0.1 web\n"), "the child's hosts file, oldest of the role");

      Path fifo = child.resolve("parent");
      Await.until("the FIFO made", () -> Files.exists(fifo));
      Files.writeString(fifo, "not json\n[\"deploy\", {\"version\": 2}]\n");
      Await.until("the child's event reaches node b", () -> !atB.isEmpty());
      assertEquals("{\"version\":2}", new String(atB.get(0).payload(), StandardCharsets.UTF_8));
      assertTrue(StageProblems.has(vertx, Addresses.SERF_BRIDGE, "fifo " + fifo, "not JSON"), "the bad line is reported, the good one went on");
    }
  }
}
