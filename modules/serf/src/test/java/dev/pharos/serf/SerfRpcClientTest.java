package dev.pharos.serf;

import dev.pharos.testing.EventLoopGuard;
import dev.pharos.testing.Await;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The RPC client against real serf agents joined on loopback, and against a peer that misbehaves. */
@ExtendWith(EventLoopGuard.class)
class SerfRpcClientTest {

  private static final SerfRpcClient.Limits SHORT = new SerfRpcClient.Limits(1000, 1024, 64 * 1024, 1 << 20);

  private static <T> T await(Future<T> f) throws Exception {
    return f.await(10, TimeUnit.SECONDS);
  }

  private static Throwable failure(Future<?> f) throws Exception {
    ExecutionException e = assertThrows(ExecutionException.class, () -> f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS));
    return e.getCause();
  }

  @Test
  void membersEventsAndTheStream(@TempDir Path dir, Vertx vertx) throws Exception {
    try (SerfAgent a = SerfAgent.start("node-a", Map.of("role", "web", "web", "8080"), null, null, dir.resolve("a.log"));
         SerfAgent b = SerfAgent.start("node-b", Map.of("role", "db"), a, null, dir.resolve("b.log"));
         SerfRpcClient clientA = await(SerfRpcClient.connect(vertx, "127.0.0.1", a.rpcPort(), null));
         SerfRpcClient clientB = await(SerfRpcClient.connect(vertx, "127.0.0.1", b.rpcPort(), null))) {
      Await.until("both members", () -> await(clientA.members()).size() == 2);
      SerfMember memberA = await(clientA.members()).stream().filter(m -> m.name().equals("node-a")).findFirst().orElseThrow();
      assertEquals("127.0.0.1", memberA.addr());
      assertEquals(a.bindPort(), memberA.port());
      assertEquals(Map.of("role", "web", "web", "8080"), memberA.tags());
      assertEquals("alive", memberA.status());

      List<SerfEvent> seen = new CopyOnWriteArrayList<>();
      await(clientA.stream("user:config_updated", seen::add));
      byte[] payload = "{\"p\":\"product1\",\"k\":\"security\",\"v\":12,\"c\":{}}".getBytes(StandardCharsets.UTF_8);
      await(clientB.event("config_updated", payload, false));
      await(clientB.event("other", new byte[]{1}, false));
      await(clientB.event("config_updated", "{}".getBytes(StandardCharsets.UTF_8), false));
      Await.until("both config_updated events on node a's stream", () -> seen.size() >= 2);
      assertEquals("user", seen.get(0).type());
      assertEquals(List.of("config_updated", "config_updated"), seen.stream().map(SerfEvent::name).toList(),
        "the filter keeps the other event out");
      assertTrue(seen.stream().anyMatch(e -> new String(e.payload(), StandardCharsets.UTF_8).equals(new String(payload, StandardCharsets.UTF_8))));
    }
  }

  @Test
  void aQueryGathersAcksAndResponsesAndStatsNameTheAgent(@TempDir Path dir, Vertx vertx) throws Exception {
    try (SerfAgent a = SerfAgent.start("node-qa", Map.of(), null, null, dir.resolve("qa.log"));
         SerfAgent b = SerfAgent.start("node-qb", Map.of(), a, null, dir.resolve("qb.log"));
         SerfRpcClient clientA = await(SerfRpcClient.connect(vertx, "127.0.0.1", a.rpcPort(), null));
         SerfRpcClient clientB = await(SerfRpcClient.connect(vertx, "127.0.0.1", b.rpcPort(), null))) {
      assertEquals("node-qa", await(clientA.agentName()));
      Await.until("both members", () -> await(clientB.members()).size() == 2);
      await(clientA.stream("query:ping", q -> clientA.respond(q.queryId(), ("pong " + new String(q.payload(), StandardCharsets.UTF_8))
        .getBytes(StandardCharsets.UTF_8))));

      SerfRpcClient.QueryResult result = await(clientB.query("ping", "1".getBytes(StandardCharsets.UTF_8), true, 2000));

      assertEquals(java.util.Set.of("node-qa", "node-qb"), result.acks(), "every node that got it acknowledges");
      assertEquals(List.of("node-qa"), List.copyOf(result.responses().keySet()), "only the node with a handler answers");
      assertEquals("pong 1", new String(result.responses().get("node-qa"), StandardCharsets.UTF_8));
    }
  }

  @Test
  void theAuthKeyIsRequiredAndChecked(@TempDir Path dir, Vertx vertx) throws Exception {
    try (SerfAgent a = SerfAgent.start("node-k", Map.of(), null, "s3cret", dir.resolve("k.log"))) {
      Throwable refused = failure(SerfRpcClient.connect(vertx, "127.0.0.1", a.rpcPort(), "wrong"));
      assertTrue(refused instanceof IOException && refused.getMessage().contains("refused"), refused.toString());
      try (SerfRpcClient client = await(SerfRpcClient.connect(vertx, "127.0.0.1", a.rpcPort(), "s3cret"))) {
        assertEquals(1, await(client.members()).size());
      }
    }
  }

  @Test
  void aStoppedStreamDeliversNothingMoreAndTheConnectionStaysInStep(@TempDir Path dir, Vertx vertx) throws Exception {
    try (SerfAgent a = SerfAgent.start("node-s", Map.of(), null, null, dir.resolve("s.log"));
         SerfRpcClient client = await(SerfRpcClient.connect(vertx, "127.0.0.1", a.rpcPort(), null))) {
      List<SerfEvent> first = new CopyOnWriteArrayList<>();
      List<SerfEvent> second = new CopyOnWriteArrayList<>();
      long stream = await(client.stream("user:e", first::add));
      await(client.stream("user:e", second::add));
      await(client.event("e", "1".getBytes(StandardCharsets.UTF_8), false));
      Await.until("the event on both streams", () -> first.size() == 1 && second.size() == 1);
      await(client.stop(stream));
      await(client.event("e", "2".getBytes(StandardCharsets.UTF_8), false));
      Await.until("the next event on the stream still open", () -> second.size() == 2);
      assertEquals(1, first.size(), "the stopped stream got nothing after its stop, though the same event reached the other");
      assertEquals(1, await(client.members()).size(), "answers after the stop are read in step");
    }
  }

  /**
   * The blocking client wrote on the caller's thread: an agent that stopped reading held the event
   * loop in write(2) for good. Now calls made on the event loop return at once and each one ends:
   * refused once the bounded write queue is full, or failed at its timeout.
   */
  @Test
  void anAgentThatStopsReadingBlocksNoEventLoop(Vertx vertx) throws Exception {
    try (FakeSerfPeer peer = new FakeSerfPeer(FakeSerfPeer.After.STOP_READING)) {
      Context loop = vertx.getOrCreateContext();
      SerfRpcClient client = await(Future.<SerfRpcClient>future(p -> loop.runOnContext(v ->
        SerfRpcClient.connect(vertx, "127.0.0.1", peer.port(), null, SHORT).onComplete(p))));
      byte[] big = new byte[32 * 1024];
      Promise<List<Future<Void>>> made = Promise.promise();
      loop.runOnContext(v -> {
        assertTrue(Context.isOnEventLoopThread());
        List<Future<Void>> calls = new ArrayList<>();
        for (int i = 0; i < 400; i++) { // 12.5 MiB: far past what the kernel buffers between the two
          calls.add(client.event("big", big, false));
        }
        made.complete(calls);
      });
      List<Future<Void>> calls = await(made.future());
      await(Future.join(calls).otherwiseEmpty());
      assertTrue(calls.stream().allMatch(Future::failed), "nobody answered, so every call failed");
      assertTrue(calls.stream().anyMatch(f -> f.cause().getMessage().contains("is not reading")),
        "the write queue is bounded: " + calls.get(calls.size() - 1).cause());
      assertTrue(calls.stream().anyMatch(f -> f.cause().getMessage().contains("no answer")), "the queued ones time out");
      client.close();
    }
  }

  @Test
  void callsTimeOutAndThePendingMapIsBounded(Vertx vertx) throws Exception {
    try (FakeSerfPeer peer = new FakeSerfPeer(FakeSerfPeer.After.NEVER_ANSWER);
         SerfRpcClient client = await(SerfRpcClient.connect(vertx, "127.0.0.1", peer.port(), null,
           new SerfRpcClient.Limits(1000, 2, 64 * 1024, 1 << 20)))) {
      Future<List<SerfMember>> first = client.members();
      Future<Long> second = client.stream("*", e -> { });
      Future<Void> third = client.event("e", new byte[0], false);
      Throwable refused = failure(third);
      assertTrue(refused.getMessage().contains("2 serf RPC calls already pending"), refused.getMessage());
      assertTrue(failure(first).getMessage().contains("serf members (seq 1) got no answer"), failure(first).getMessage());
      assertTrue(failure(second).getMessage().contains("serf stream (seq 2) got no answer"), failure(second).getMessage());
      Await.until("the peer read them", () -> peer.requests.get() >= 2);
      Throwable later = failure(client.members());
      assertTrue(later.getMessage().contains("got no answer"), "timed-out calls left the bounded map: " + later.getMessage());
    }
  }

  @Test
  void aLostConnectionFailsEveryPendingCallAndSaysSo(Vertx vertx) throws Exception {
    try (FakeSerfPeer peer = new FakeSerfPeer(FakeSerfPeer.After.HANG_UP_AFTER_TWO);
         SerfRpcClient client = await(SerfRpcClient.connect(vertx, "127.0.0.1", peer.port(), null,
           new SerfRpcClient.Limits(60_000, 1024, 64 * 1024, 1 << 20)))) {
      Future<List<SerfMember>> members = client.members();
      Future<Long> stream = client.stream("*", e -> { });
      assertTrue(failure(members).getMessage().contains("connection to 127.0.0.1:" + peer.port() + " closed"), failure(members).getMessage());
      assertTrue(failure(stream).getMessage().contains("closed"), failure(stream).getMessage());
      assertTrue(failure(client.closed()).getMessage().contains("closed"));
      Throwable after = failure(client.event("e", new byte[0], false));
      assertTrue(after.getMessage().contains("is closed"), after.getMessage());
    }
  }
}
