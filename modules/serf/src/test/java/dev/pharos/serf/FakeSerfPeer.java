package dev.pharos.serf;

import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePacker;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.Value;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A serf RPC peer that misbehaves on purpose, for what a real agent will not do on demand: it
 * answers the handshake, then stops reading, or reads and never answers, or hangs up.
 */
final class FakeSerfPeer implements AutoCloseable {

  enum After { STOP_READING, NEVER_ANSWER, HANG_UP_AFTER_TWO }

  private final ServerSocket server;
  private final After after;
  private final CountDownLatch done = new CountDownLatch(1);
  /** Requests read after the handshake. */
  final AtomicInteger requests = new AtomicInteger();
  private volatile Socket socket;

  FakeSerfPeer(After after) throws IOException {
    this.after = after;
    this.server = new ServerSocket();
    server.setReceiveBufferSize(4096); // a peer that stops reading is full sooner
    server.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
    Thread t = new Thread(this::serve, "fake-serf-peer");
    t.setDaemon(true);
    t.start();
  }

  int port() {
    return server.getLocalPort();
  }

  private void serve() {
    try (Socket s = server.accept()) {
      socket = s;
      MessageUnpacker in = MessagePack.newDefaultUnpacker(s.getInputStream());
      MessagePacker out = MessagePack.newDefaultPacker(s.getOutputStream());
      long seq = seq(in.unpackValue());
      in.unpackValue(); // {"Version": 1}
      out.packMapHeader(2).packString("Seq").packLong(seq).packString("Error").packString("");
      out.flush();
      switch (after) {
        case STOP_READING -> done.await();
        case NEVER_ANSWER -> {
          while (in.hasNext()) {
            in.unpackValue();
            requests.incrementAndGet();
          }
        }
        case HANG_UP_AFTER_TWO -> {
          // two requests (header and body each), then the socket closes with the try
          while (requests.get() < 2 && in.hasNext()) {
            if (isRequest(in.unpackValue())) {
              requests.incrementAndGet();
            }
          }
        }
        default -> throw new IllegalStateException();
      }
    } catch (IOException | InterruptedException e) {
      // the test is over
    }
  }

  private static boolean isRequest(Value v) {
    return v.isMapValue() && v.asMapValue().map().keySet().stream()
      .anyMatch(k -> k.isStringValue() && k.asStringValue().asString().equals("Command"));
  }

  private static long seq(Value header) {
    for (Map.Entry<Value, Value> e : header.asMapValue().map().entrySet()) {
      if (e.getKey().asStringValue().asString().equals("Seq")) {
        return e.getValue().asIntegerValue().toLong();
      }
    }
    throw new IllegalStateException("no Seq in " + header);
  }

  @Override
  public void close() throws IOException {
    done.countDown();
    Socket s = socket;
    if (s != null) {
      s.close();
    }
    server.close();
  }
}
