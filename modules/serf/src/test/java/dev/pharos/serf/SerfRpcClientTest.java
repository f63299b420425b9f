package dev.pharos.serf;

import dev.pharos.testing.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The RPC client against real serf agents joined on loopback. */
class SerfRpcClientTest {

  @Test
  void membersEventsAndTheStream(@TempDir Path dir) throws Exception {
    try (SerfAgent a = SerfAgent.start("node-a", Map.of("role", "web", "web", "8080"), null, null, dir.resolve("a.log"));
         SerfAgent b = SerfAgent.start("node-b", Map.of("role", "db"), a, null, dir.resolve("b.log"));
         SerfRpcClient clientA = SerfRpcClient.connect("127.0.0.1", a.rpcPort(), null, 5000);
         SerfRpcClient clientB = SerfRpcClient.connect("127.0.0.1", b.rpcPort(), null, 5000)) {
      Await.until("both members", () -> clientA.members().get(5, TimeUnit.SECONDS).size() == 2);
      SerfMember memberA = clientA.members().get(5, TimeUnit.SECONDS).stream()
        .filter(m -> m.name().equals("node-a")).findFirst().orElseThrow();
      assertEquals("127.0.0.1", memberA.addr());
      assertEquals(a.bindPort(), memberA.port());
      assertEquals(Map.of("role", "web", "web", "8080"), memberA.tags());
      assertEquals("alive", memberA.status());

      List<SerfEvent> seen = new CopyOnWriteArrayList<>();
      clientA.stream("user:config_updated", seen::add).get(5, TimeUnit.SECONDS);
      byte[] payload = "{\"p\":\"product1\",\"k\":\"security\",\"v\":12,\"c\":{}}".getBytes(StandardCharsets.UTF_8);
      clientB.event("config_updated", payload, false).get(5, TimeUnit.SECONDS);
      clientB.event("other", new byte[]{1}, false).get(5, TimeUnit.SECONDS);
      Await.until("the user event on node a's stream", () -> !seen.isEmpty());
      SerfEvent event = seen.get(0);
      assertEquals("user", event.type());
      assertEquals("config_updated", event.name());
      assertEquals(new String(payload, StandardCharsets.UTF_8), new String(event.payload(), StandardCharsets.UTF_8));
      Thread.sleep(300);
      assertEquals(1, seen.size(), "the filter keeps other events out");
    }
  }

  @Test
  void aQueryGathersAcksAndResponsesAndStatsNameTheAgent(@TempDir Path dir) throws Exception {
    try (SerfAgent a = SerfAgent.start("node-qa", Map.of(), null, null, dir.resolve("qa.log"));
         SerfAgent b = SerfAgent.start("node-qb", Map.of(), a, null, dir.resolve("qb.log"));
         SerfRpcClient clientA = SerfRpcClient.connect("127.0.0.1", a.rpcPort(), null, 5000);
         SerfRpcClient clientB = SerfRpcClient.connect("127.0.0.1", b.rpcPort(), null, 5000)) {
      assertEquals("node-qa", clientA.agentName().get(5, TimeUnit.SECONDS));
      Await.until("both members", () -> clientB.members().get(5, TimeUnit.SECONDS).size() == 2);
      clientA.stream("query:ping", q -> clientA.respond(q.queryId(), ("pong " + new String(q.payload(), StandardCharsets.UTF_8))
        .getBytes(StandardCharsets.UTF_8))).get(5, TimeUnit.SECONDS);

      SerfRpcClient.QueryResult result = clientB.query("ping", "1".getBytes(StandardCharsets.UTF_8), true, 2000)
        .get(10, TimeUnit.SECONDS);

      assertEquals(java.util.Set.of("node-qa", "node-qb"), result.acks(), "every node that got it acknowledges");
      assertEquals(List.of("node-qa"), List.copyOf(result.responses().keySet()), "only the node with a handler answers");
      assertEquals("pong 1", new String(result.responses().get("node-qa"), StandardCharsets.UTF_8));
    }
  }

  @Test
  void theAuthKeyIsRequiredAndChecked(@TempDir Path dir) throws Exception {
    try (SerfAgent a = SerfAgent.start("node-k", Map.of(), null, "s3cret", dir.resolve("k.log"))) {
      IOException refused = assertThrows(IOException.class, () -> SerfRpcClient.connect("127.0.0.1", a.rpcPort(), "wrong", 5000));
      assertTrue(refused.getMessage().contains("refused"), refused.getMessage());
      try (SerfRpcClient client = SerfRpcClient.connect("127.0.0.1", a.rpcPort(), "s3cret", 5000)) {
        assertEquals(1, client.members().get(5, TimeUnit.SECONDS).size());
      }
    }
  }
}
