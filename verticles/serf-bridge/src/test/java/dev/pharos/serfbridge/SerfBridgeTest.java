package dev.pharos.serfbridge;

import dev.pharos.testing.EventLoopGuard;
import dev.pharos.bus.Addresses;
import dev.pharos.serf.SerfAgent;
import dev.pharos.serf.SerfRpcClient;
import dev.pharos.testing.Await;
import dev.pharos.testing.StageProblems;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
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

/** The bridge on one of two real serf agents joined on loopback. */
@ExtendWith(EventLoopGuard.class)
class SerfBridgeTest {

  private static String run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(30, TimeUnit.SECONDS);
    return out;
  }


  @Test
  void filesConfigsAndEventsFromARealCluster(@TempDir Path dir, Vertx vertx) throws Exception {
    try (SerfAgent a = SerfAgent.start("node-a", Map.of("role", "web", "web", "8080", "products", "shop", "timestamp", "1"),
           null, null, dir.resolve("a.log"));
         SerfAgent b = SerfAgent.start("node-b", Map.of("role", "db", "db", "5432"), a, null, dir.resolve("b.log"));
         SerfRpcClient clientB = SerfRpcClient.connect(vertx, "127.0.0.1", b.rpcPort(), null).await(10, TimeUnit.SECONDS)) {
      Path conf = dir.resolve("conf");
      Path configs = dir.resolve("configs");
      Path hosts = dir.resolve("hosts");
      Files.writeString(hosts, "127.0.0.1 localhost\n");
      List<JsonObject> deploys = new CopyOnWriteArrayList<>();
      vertx.eventBus().<JsonObject>consumer(Addresses.SERF_EVENT_PREFIX + "deploy", m -> deploys.add(m.body()));
      vertx.deployVerticle(new SerfBridgeVerticle(), new DeploymentOptions().setConfig(new JsonObject().put("instanceId", "h1")
        .put("serf", new JsonObject().put("rpc", "127.0.0.1:" + a.rpcPort()).put("confDir", conf.toString())
          .put("configsDir", configs.toString()).put("hostsFile", hosts.toString())))).await(20, TimeUnit.SECONDS);

      Await.until("both nodes in the three files", () -> Files.exists(conf.resolve("services.json"))
        && new JsonObject(Files.readString(conf.resolve("services.json"))).getJsonObject("nodes").size() == 2
        && Files.readString(conf.resolve("services.yml")).contains("node-b") && Files.readString(hosts).contains(" db\n"));
      JsonObject services = new JsonObject(Files.readString(conf.resolve("services.json")));
      assertEquals(8080, services.getJsonObject("services").getJsonArray("web").getJsonObject(0).getInteger("port"));
      assertTrue(Files.readString(conf.resolve("services.yml")).contains("node-b"));
      String hostsText = Files.readString(hosts);
      assertTrue(hostsText.startsWith("127.0.0.1 localhost\n"), "the operator's lines are kept: " + hostsText);
      assertTrue(hostsText.contains("127.0.0.1 web\n") && hostsText.contains("127.0.0.1 db\n"), hostsText);

      clientB.event("config_updated", "{\"p\":\"product1\",\"k\":\"security\",\"v\":12,\"c\":{\"user\":\"myUser\",\"pass\":\"mySecret\"}}"
        .getBytes(StandardCharsets.UTF_8), false).await(5, TimeUnit.SECONDS);
      Path stored = configs.resolve("product1/security.json");
      Await.until("the config stored", () -> Files.exists(stored));
      assertEquals(new JsonObject().put("_version", 12).put("user", "myUser").put("pass", "mySecret"), new JsonObject(Files.readString(stored)));

      clientB.event("config_updated", "{\"p\":\"product1\",\"k\":\"security\",\"v\":11,\"c\":{\"user\":\"old\"}}"
        .getBytes(StandardCharsets.UTF_8), false).await(5, TimeUnit.SECONDS);
      String answer = run("serf", "query", "-rpc-addr=127.0.0.1:" + b.rpcPort(), "-timeout=3s", "config_updated",
        "{\"p\":\"product1\",\"k\":\"security\",\"v\":13,\"c\":{\"user\":\"viaQuery\"}}");
      assertTrue(answer.contains("stored"), "the query is answered: " + answer);
      assertEquals("viaQuery", new JsonObject(Files.readString(stored)).getString("user"), "v13 stored, v11 ignored");

      // Pharos sends the query itself and hands back each node's answer
      JsonObject v14 = new JsonObject("{\"p\":\"product1\",\"k\":\"security\",\"v\":14,\"c\":{\"user\":\"fromPharos\"}}");
      var asQuery = new io.vertx.core.eventbus.DeliveryOptions().setSendTimeout(30_000).addHeader("as", "query");
      JsonObject answered = vertx.eventBus().<JsonObject>request(Addresses.SERF_CONFIG, v14, asQuery).await(30, TimeUnit.SECONDS).body();
      assertEquals(new JsonObject().put("node-a", "stored"), answered.getJsonObject("answers"), answered.encode());
      assertEquals(List.of("node-a", "node-b"), answered.getJsonArray("acks").getList(), "every node acknowledges");
      answered = vertx.eventBus().<JsonObject>request(Addresses.SERF_CONFIG, v14, asQuery).await(30, TimeUnit.SECONDS).body();
      assertEquals("ignored", answered.getJsonObject("answers").getString("node-a"), "the same version again");

      clientB.event("config_updated", "{\"p\":\"../etc\",\"k\":\"passwd\",\"v\":1,\"c\":{}}".getBytes(StandardCharsets.UTF_8), false)
        .await(5, TimeUnit.SECONDS);
      Await.until("the bad payload reported", () -> StageProblems.has(vertx, Addresses.SERF_BRIDGE, "config_updated", "field p"));
      assertTrue(Files.notExists(dir.resolve("etc")), "nothing written outside the configs directory");

      clientB.event("deploy", "v2".getBytes(StandardCharsets.UTF_8), false).await(5, TimeUnit.SECONDS);
      Await.until("the deploy event on the bus", () -> !deploys.isEmpty());
      assertEquals("v2", deploys.get(0).getString("payload"));

      a.restart(); // under the running bridge; it rejoins nobody, so b is gone from its view
      Await.until("the bridge reconnected and saw the agent alone", () -> !StageProblems.has(vertx, Addresses.SERF_BRIDGE, "serf agent", "")
        && new JsonObject(Files.readString(conf.resolve("services.json"))).getJsonObject("nodes").size() == 1);
      run("serf", "join", "-rpc-addr=127.0.0.1:" + a.rpcPort(), "127.0.0.1:" + b.bindPort());
      Await.until("b back in the files after the join", () -> Files.readString(hosts).contains(" db\n"));

      run("serf", "tags", "-rpc-addr=127.0.0.1:" + b.rpcPort(), "-set", "role=search");
      Await.until("a tag change rewrites the files", () -> Files.readString(hosts).contains(" search\n")
        && !Files.readString(hosts).contains(" db\n"));

      try (SerfAgent c = SerfAgent.start("node-c", Map.of("role", "cache"), a, null, dir.resolve("c.log"))) {
        Await.until("the joining node in the files", () -> Files.readString(hosts).contains(" cache\n"));
      }
      Await.until("the leaving node out of the files", () -> !Files.readString(hosts).contains(" cache\n"));
    }
  }
}
