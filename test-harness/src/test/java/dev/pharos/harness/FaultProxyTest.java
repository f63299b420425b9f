package dev.pharos.harness;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.pharos.harness.Harness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fault proxy in front of a loopback echo server: it forwards, drops, holds and lets go. */
@Timeout(20)
class FaultProxyTest {

  private ServerSocketChannel echo;
  private final AtomicInteger received = new AtomicInteger();
  private FaultProxy proxy;

  @BeforeEach
  void start() throws IOException {
    echo = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
    Thread acceptor = new Thread(() -> {
      try {
        while (true) {
          SocketChannel c = echo.accept();
          Thread t = new Thread(() -> echoAll(c));
          t.setDaemon(true);
          t.start();
        }
      } catch (IOException closed) {
        // the test ended
      }
    });
    acceptor.setDaemon(true);
    acceptor.start();
    proxy = FaultProxy.start("127.0.0.1:" + echo.socket().getLocalPort());
  }

  private void echoAll(SocketChannel c) {
    ByteBuffer b = ByteBuffer.allocate(1024);
    try (c) {
      while (c.read(b) >= 0) {
        received.addAndGet(b.position());
        b.flip();
        c.write(b);
        b.clear();
      }
    } catch (IOException gone) {
      // the proxy dropped it
    }
  }

  @AfterEach
  void stop() throws IOException {
    proxy.close();
    echo.close();
  }

  private SocketChannel connect() throws IOException {
    return SocketChannel.open(new InetSocketAddress("127.0.0.1", proxy.port()));
  }

  private static String roundTrip(SocketChannel c, String text) throws IOException {
    c.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
    ByteBuffer b = ByteBuffer.allocate(text.length());
    while (b.hasRemaining()) {
      if (c.read(b) < 0) {
        throw new IOException("closed");
      }
    }
    return new String(b.array(), StandardCharsets.UTF_8);
  }

  @Test
  void forwardsThenDropsEveryConnection() throws Exception {
    try (SocketChannel c = connect()) {
      assertEquals("hello", roundTrip(c, "hello"));
      await("the proxy counts the connection", () -> proxy.connections() == 1);
      proxy.drop();
      assertEquals(-1, c.read(ByteBuffer.allocate(8)), "the client sees the connection close");
      assertEquals(1, proxy.dropped());
    }
    try (SocketChannel again = connect()) {
      assertEquals("again", roundTrip(again, "again"), "new connections are accepted after a drop");
    }
  }

  @Test
  void aStallHoldsBothWaysUntilItEnds() throws Exception {
    try (SocketChannel c = connect()) {
      assertEquals("a", roundTrip(c, "a"));
      long start = System.nanoTime();
      proxy.stall(FaultProxy.Direction.BOTH, Duration.ofMillis(600));
      assertEquals("held", roundTrip(c, "held"));
      long tookMs = (System.nanoTime() - start) / 1_000_000;
      assertTrue(tookMs >= 550, "the answer waited for the stall's end: " + tookMs + " ms");
      assertEquals(1 + 4, received.get(), "nothing was sent twice");
    }
  }

  @Test
  void aStallOfRepliesLetsRequestsThroughAndHoldsTheAnswers() throws Exception {
    try (SocketChannel c = connect()) {
      assertEquals("a", roundTrip(c, "a"));
      long start = System.nanoTime();
      proxy.stall(FaultProxy.Direction.REPLIES, Duration.ofMillis(600));
      c.write(ByteBuffer.wrap("req".getBytes(StandardCharsets.UTF_8)));
      await("the request reached the server", () -> received.get() == 1 + 3);
      long reachedMs = (System.nanoTime() - start) / 1_000_000;
      assertTrue(reachedMs < 500, "the request went through during the stall: " + reachedMs + " ms");
      ByteBuffer b = ByteBuffer.allocate(3);
      while (b.hasRemaining()) {
        c.read(b);
      }
      long answeredMs = (System.nanoTime() - start) / 1_000_000;
      assertTrue(answeredMs >= 550, "its answer waited for the stall's end: " + answeredMs + " ms");
      assertEquals("req", new String(b.array(), StandardCharsets.UTF_8));
    }
  }

  @Test
  void resumeEndsAnOpenEndedStall() throws Exception {
    try (SocketChannel c = connect()) {
      proxy.stall(FaultProxy.Direction.REPLIES);
      c.write(ByteBuffer.wrap("r".getBytes(StandardCharsets.UTF_8)));
      await("the request reached the server", () -> received.get() == 1);
      proxy.resume();
      ByteBuffer b = ByteBuffer.allocate(1);
      while (b.hasRemaining()) {
        c.read(b);
      }
      assertEquals("r", new String(b.array(), StandardCharsets.UTF_8));
    }
  }

  @Test
  void aStallOfRepliesCanStartOnAChosenRequest() throws Exception {
    try (SocketChannel c = connect()) {
      proxy.stallRepliesAfter(chunk -> StandardCharsets.UTF_8.decode(chunk).toString().contains("write"), Duration.ofMillis(600));
      assertEquals("read", roundTrip(c, "read"), "other requests are answered at once");
      long start = System.nanoTime();
      assertEquals("write", roundTrip(c, "write"));
      long tookMs = (System.nanoTime() - start) / 1_000_000;
      assertTrue(tookMs >= 550, "the chosen request's answer waited for the stall's end: " + tookMs + " ms");
      assertEquals(4 + 5, received.get(), "the chosen request itself went through once");
    }
  }

  @Test
  void downClosesEveryConnectionAndEachNewOneUntilUp() throws Exception {
    try (SocketChannel c = connect()) {
      assertEquals("a", roundTrip(c, "a"));
      proxy.down();
      assertEquals(-1, c.read(ByteBuffer.allocate(8)), "the open connection closes");
    }
    try (SocketChannel refused = connect()) {
      refused.write(ByteBuffer.wrap("lost".getBytes(StandardCharsets.UTF_8)));
      assertEquals(-1, refused.read(ByteBuffer.allocate(8)), "a new connection is closed at once");
    } catch (IOException reset) {
      // closed before the write: as good
    }
    proxy.up();
    try (SocketChannel again = connect()) {
      assertEquals("again", roundTrip(again, "again"), "forwarded again after up");
    }
    assertEquals(1 + 5, received.get(), "nothing sent while down reached the server");
  }
}
