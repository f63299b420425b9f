package dev.pharos.checks;

import dev.pharos.checks.impl.HttpCheck;
import dev.pharos.checks.impl.TcpCheck;
import dev.pharos.model.Instance;
import dev.pharos.testing.EventLoopGuard;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Tcp and plain http checks of address literals on Linux's native transport, as the launcher
 * runs them: bare sockets on the checker's loop ({@link NativeProbes}), with Nerve's meaning
 * (only a 2xx passes) and every way an answer can fail.
 */
class NativeProbesTest {

  private Vertx vertx;
  private Context checker;
  private CheckContext context;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true)
      .setMaxEventLoopExecuteTime(EventLoopGuard.MAX_EVENT_LOOP_MS).setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS));
    assumeTrue(vertx.isNativeTransportEnabled(), "Linux's native transport");
    checker = vertx.getOrCreateContext();
    CompletableFuture<CheckContext> made = new CompletableFuture<>();
    checker.runOnContext(v -> made.complete(new CheckContext(vertx, i -> null)));
    context = made.get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /** A server on 127.0.0.1 that does {@code onConnect} with each connection. */
  private int serve(Consumer<NetSocket> onConnect) throws Exception {
    NetServer server = vertx.createNetServer().connectHandler(onConnect::accept);
    return server.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS).actualPort();
  }

  /** Answers the first request with {@code answer} (written in pieces when asked), then closes. */
  private int answering(String answer, boolean piecemeal) throws Exception {
    return serve(socket -> socket.handler(request -> {
      if (!piecemeal) {
        socket.end(Buffer.buffer(answer));
        return;
      }
      for (int i = 0; i < answer.length(); i++) {
        String piece = answer.substring(i, i + 1);
        vertx.setTimer(1 + i, t -> socket.write(Buffer.buffer(piece)));
      }
      vertx.setTimer(2 + answer.length(), t -> socket.close());
    }));
  }

  private String run(Probe probe, int port, long timeoutMs) throws Exception {
    return run(probe, port, timeoutMs, 10);
  }

  /** The probe's outcome, waited for {@code waitSeconds}. */
  private String run(Probe probe, int port, long timeoutMs, long waitSeconds) throws Exception {
    Instance instance = new Instance("i", "dev", "web", "h", "c", "127.0.0.1", port, new JsonObject(), new JsonObject());
    CompletableFuture<String> outcome = new CompletableFuture<>();
    checker.runOnContext(v -> {
      Future<String> result = probe.run(context, new CheckTarget("127.0.0.1", port, instance), timeoutMs);
      result.onComplete((ok, e) -> outcome.complete(e == null ? "passed: " + ok : "failed: " + e.getMessage()));
    });
    return outcome.get(waitSeconds, TimeUnit.SECONDS);
  }

  private String http(String check, int port) throws Exception {
    return run(new HttpCheck().prepare(new JsonObject(check).put("timeout", 5).put("open_timeout", 5), "nerve.checks[0]"),
      port, 5000);
  }

  private static int closedPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void aTcpCheckOfAListeningPortPassesOnABareSocket() throws Exception {
    int port = serve(socket -> { });
    Probe tcp = new TcpCheck().prepare(new JsonObject(), "nerve.checks[0]");
    assertEquals("passed: connected", run(tcp, port, 1000));
    assertEquals("passed: connected", run(tcp, port, 1000), "the probe's address, made once, serves again");
    assertEquals(2, context.nativeProbes(), "both ran as bare sockets, not Netty channels");
  }

  @Test
  void aCheckRunFromABusHandlerTakesABareSocketToo() throws Exception {
    // Vert.x runs bus handlers and timers on duplicates of the verticle's context, as the checker's rounds start
    int port = serve(socket -> { });
    Probe tcp = new TcpCheck().prepare(new JsonObject(), "nerve.checks[0]");
    Instance instance = new Instance("i", "dev", "web", "h", "c", "127.0.0.1", port, new JsonObject(), new JsonObject());
    CompletableFuture<String> outcome = new CompletableFuture<>();
    CompletableFuture<Void> registered = new CompletableFuture<>();
    checker.runOnContext(v -> vertx.eventBus().<String>consumer("probe", message ->
        tcp.run(context, new CheckTarget("127.0.0.1", port, instance), 1000)
          .onComplete((ok, e) -> outcome.complete(e == null ? ok : e.getMessage())))
      .completion().onComplete(r -> registered.complete(null)));
    registered.get(10, TimeUnit.SECONDS);
    vertx.eventBus().send("probe", "go");
    assertEquals("connected", outcome.get(10, TimeUnit.SECONDS));
    assertEquals(1, context.nativeProbes(), "a bare socket, not a Netty channel");
  }

  @Test
  void aTcpCheckOfAClosedPortFailsSayingWhy() throws Exception {
    int port = closedPort();
    String result = run(new TcpCheck().prepare(new JsonObject(), "nerve.checks[0]"), port, 1000);
    assertTrue(result.startsWith("failed: ") && result.contains("refused") && result.contains(":" + port), result);
    assertEquals(1, context.nativeProbes());
  }

  @Test
  void anHttpCheckPassesOnA2xxOnly() throws Exception {
    assertEquals("passed: http 200", http("{\"uri\": \"/ok\"}", answering("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false)));
    assertEquals("passed: http 204", http("{\"uri\": \"/ok\"}", answering("HTTP/1.0 204 No Content\r\n\r\n", false)));
    assertEquals("failed: http 302", http("{\"uri\": \"/ok\"}", answering("HTTP/1.1 302 Found\r\nLocation: /\r\n\r\n", false)),
      "a 3xx is down in Nerve");
    assertEquals("failed: http 503", http("{\"uri\": \"/ok\"}", answering("HTTP/1.1 503 Busy\r\n\r\n", false)));
    assertEquals(4, context.nativeProbes());
  }

  @Test
  void aStatusLineInPiecesIsReadWhole() throws Exception {
    assertEquals("passed: http 200", http("{\"uri\": \"/ok\"}", answering("HTTP/1.1 200 OK\r\n\r\n", true)));
    assertEquals("failed: http 404", http("{\"uri\": \"/ok\"}", answering("HTTP/1.1 404 Not Found\r\n\r\n", true)));
  }

  @Test
  void anAnswerLaterThanTheNextTickIsWaitedForOnEpoll() throws Exception {
    // the answer is read at the clock's next tick; one not there yet must still be heard
    // (heard when it comes: the outcome is there long before the 30 s read timeout, whose
    // deadline would otherwise be the first to look again)
    Probe probe = new HttpCheck().prepare(new JsonObject("{\"uri\": \"/ok\", \"timeout\": 30, \"open_timeout\": 5}"),
      "nerve.checks[0]");
    int late = serve(socket -> socket.handler(request -> vertx.setTimer(10 * CheckClock.TICK_MS,
      t -> socket.end(Buffer.buffer("HTTP/1.1 200 OK\r\n\r\n")))));
    assertEquals("passed: http 200", run(probe, late, 30_000, 10));
    int slowFail = serve(socket -> socket.handler(request -> vertx.setTimer(10 * CheckClock.TICK_MS,
      t -> socket.end(Buffer.buffer("HTTP/1.1 500 Oops\r\n\r\n")))));
    assertEquals("failed: http 500", run(probe, slowFail, 30_000, 10));
    assertEquals(2, context.nativeProbes());
  }

  @Test
  void anythingButAnAnswerFails() throws Exception {
    assertEquals("failed: not an HTTP answer: SSH-2.0-Open", http("{\"uri\": \"/\"}", answering("SSH-2.0-OpenSSH_9.2\r\n", false)));
    String closed = http("{\"uri\": \"/\"}", serve(NetSocket::close)); // a reset, or an end, before any answer
    assertTrue(closed.startsWith("failed: connection closed before an answer"), closed);
    assertEquals("failed: connection closed before an answer", http("{\"uri\": \"/\"}", answering("HTTP/1.1 2", false)));
    String refused = http("{\"uri\": \"/\"}", closedPort());
    assertTrue(refused.contains("refused"), refused);
    int silent = serve(socket -> { }); // reads the request, never answers
    assertEquals("failed: no answer within the read timeout",
      http("{\"uri\": \"/\", \"read_timeout\": 0.2}", silent));
  }

  @Test
  void theRequestIsOneGetWithHostAndTheCheckHeaders() throws Exception {
    CompletableFuture<String> seen = new CompletableFuture<>();
    int port = serve(socket -> socket.handler(request -> {
      seen.complete(request.toString());
      socket.end(Buffer.buffer("HTTP/1.1 200 OK\r\n\r\n"));
    }));
    assertEquals("passed: http 200", http("{\"uri\": \"/health?x=1\", \"headers\": {\"X-Probe\": \"a\"}}", port));
    assertEquals("GET /health?x=1 HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nX-Probe: a\r\nConnection: close\r\n\r\n",
      seen.get(10, TimeUnit.SECONDS));
    CompletableFuture<String> own = new CompletableFuture<>();
    int second = serve(socket -> socket.handler(request -> {
      own.complete(request.toString());
      socket.end(Buffer.buffer("HTTP/1.1 200 OK\r\n\r\n"));
    }));
    http("{\"uri\": \"/\", \"headers\": {\"host\": \"example.org\"}}", second);
    assertEquals("GET / HTTP/1.1\r\nhost: example.org\r\nConnection: close\r\n\r\n", own.get(10, TimeUnit.SECONDS),
      "the check's own Host header replaces the address");
  }
}
