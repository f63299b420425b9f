package dev.pharos.harness;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

/**
 * A TCP proxy on a loopback port in front of one server, for fault tests: a client pointed at
 * {@link #address()} reaches the server until the test drops every connection or stalls the
 * traffic. Blocking NIO channels, two pump threads per connection: the few connections a
 * ZooKeeper client makes need nothing finer.
 *
 * <p>A stall holds bytes without closing anything, as a congested or partitioned network does;
 * what the stall held is delivered when it ends, unless a side closed meanwhile. Stalling only
 * {@link Direction#REPLIES} lets requests reach the server while their replies wait: a client
 * that gives up the connection meanwhile has had its requests applied without hearing so.
 * {@link #stallRepliesAfter} starts such a stall on a chosen request, to lose the reply of one
 * write rather than of whatever happens to be in flight.
 */
public final class FaultProxy implements AutoCloseable {

  /** Which bytes a stall holds. */
  public enum Direction {
    /** Both ways. */
    BOTH,
    /** Server to client only: requests still reach the server. */
    REPLIES
  }

  private final InetSocketAddress target;
  private final ServerSocketChannel listener;
  private final Set<Link> links = ConcurrentHashMap.newKeySet();
  private final AtomicInteger accepted = new AtomicInteger();
  private final AtomicInteger dropped = new AtomicInteger();
  private final Object gate = new Object();
  /** Until when each direction is held, in System.nanoTime(); 0: flowing. Guarded by {@link #gate}. */
  private long requestsHeldUntil;
  private long repliesHeldUntil;
  private volatile boolean closed;
  private volatile boolean refusing;
  private final AtomicReference<Trigger> trigger = new AtomicReference<>();

  /** A stall of replies armed to start on the first request chunk that {@code matches}. */
  private record Trigger(Predicate<ByteBuffer> matches, Duration duration, CompletableFuture<byte[]> fired) {
  }

  private FaultProxy(InetSocketAddress target) throws IOException {
    this.target = target;
    listener = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
    Thread acceptor = new Thread(this::accept, "fault-proxy-accept-" + port());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** A proxy in front of {@code hostPort} ({@code host:port}). */
  public static FaultProxy start(String hostPort) throws IOException {
    int colon = hostPort.lastIndexOf(':');
    return new FaultProxy(new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1))));
  }

  public int port() {
    return listener.socket().getLocalPort();
  }

  /** {@code 127.0.0.1:port}: what a client connects to instead of the server. */
  public String address() {
    return "127.0.0.1:" + port();
  }

  /** Connections accepted since the start. */
  public int accepted() {
    return accepted.get();
  }

  /** Connections open now. */
  public int connections() {
    return links.size();
  }

  /** Connections closed by {@link #drop()}. */
  public int dropped() {
    return dropped.get();
  }

  /** Closes every current connection on both sides; new ones are accepted as before. */
  public void drop() {
    for (Link link : List.copyOf(links)) {
      dropped.incrementAndGet();
      link.close();
    }
  }

  /**
   * The server gone, as when every ZooKeeper server is down: closes every connection and closes
   * each new one as soon as it is accepted, until {@link #up()}.
   */
  public void down() {
    refusing = true;
    drop();
  }

  /** Accepts and forwards new connections again after {@link #down()}. */
  public void up() {
    refusing = false;
  }

  /** Stops forwarding {@code direction}'s bytes for {@code duration}, then forwards again by itself. */
  public void stall(Direction direction, Duration duration) {
    long until = System.nanoTime() + duration.toNanos();
    synchronized (gate) {
      repliesHeldUntil = until;
      if (direction == Direction.BOTH) {
        requestsHeldUntil = until;
      }
    }
  }

  /** Stops forwarding {@code direction}'s bytes until {@link #resume()}. */
  public void stall(Direction direction) {
    stall(direction, Duration.ofDays(1));
  }

  /**
   * Holds every reply for {@code duration} from the moment a chunk of client bytes that
   * {@code request} matches is read: that chunk still reaches the server, its reply is held. One
   * shot. The future completes with the chunk once it has been forwarded.
   */
  public CompletableFuture<byte[]> stallRepliesAfter(Predicate<ByteBuffer> request, Duration duration) {
    Trigger armed = new Trigger(request, duration, new CompletableFuture<>());
    trigger.set(armed);
    return armed.fired();
  }

  /** Forwards everything again, what a stall held first. */
  public void resume() {
    synchronized (gate) {
      requestsHeldUntil = 0;
      repliesHeldUntil = 0;
      gate.notifyAll();
    }
  }

  /** Waits while {@code replies} (or requests) are held; false when {@code link} closed meanwhile. */
  private boolean awaitFlowing(boolean replies, Link link) throws InterruptedException {
    synchronized (gate) {
      while (!link.closed) {
        long until = replies ? repliesHeldUntil : requestsHeldUntil;
        long left = until - System.nanoTime();
        if (until == 0 || left <= 0) {
          return true;
        }
        gate.wait(Math.max(1, left / 1_000_000));
      }
      return false;
    }
  }

  /** The armed trigger, disarmed, when {@code chunk} matches it: replies are held from now on. */
  private Trigger fire(ByteBuffer chunk) {
    Trigger armed = trigger.get();
    if (armed == null || !armed.matches().test(chunk.asReadOnlyBuffer()) || !trigger.compareAndSet(armed, null)) {
      return null;
    }
    stall(Direction.REPLIES, armed.duration());
    return armed;
  }

  private static byte[] copy(ByteBuffer buffer) {
    byte[] bytes = new byte[buffer.remaining()];
    buffer.duplicate().get(bytes);
    return bytes;
  }

  private void accept() {
    while (!closed) {
      SocketChannel client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        return; // closed
      }
      accepted.incrementAndGet();
      if (refusing) {
        closeQuietly(client); // down: as good as refused
        continue;
      }
      try {
        SocketChannel server = SocketChannel.open(target);
        client.setOption(StandardSocketOptions.TCP_NODELAY, true);
        server.setOption(StandardSocketOptions.TCP_NODELAY, true);
        Link link = new Link(client, server);
        links.add(link);
        link.start();
      } catch (IOException e) {
        closeQuietly(client); // the server refused: so does the proxy
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    closeQuietly(listener);
    drop();
    resume();
  }

  private static void closeQuietly(java.io.Closeable c) {
    try {
      c.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  /** One proxied connection: a pump thread each way. */
  private final class Link {
    private final SocketChannel client;
    private final SocketChannel server;
    private final AtomicInteger pumping = new AtomicInteger(2);
    private volatile boolean closed;

    Link(SocketChannel client, SocketChannel server) {
      this.client = client;
      this.server = server;
    }

    void start() {
      String name = "fault-proxy-" + port() + "-" + accepted.get();
      pump(client, server, false, name + "-requests");
      pump(server, client, true, name + "-replies");
    }

    private void pump(SocketChannel from, SocketChannel to, boolean replies, String name) {
      Thread thread = new Thread(() -> {
        ByteBuffer buffer = ByteBuffer.allocate(16 * 1024);
        try {
          while (awaitFlowing(replies, this)) {
            buffer.clear();
            if (from.read(buffer) < 0) {
              to.shutdownOutput(); // pass the half-close on, as TCP would
              break;
            }
            buffer.flip();
            Trigger fired = replies ? null : fire(buffer);
            // held bytes wait here, read but not yet written
            if (!awaitFlowing(replies, this)) {
              break;
            }
            byte[] chunk = fired == null ? null : copy(buffer);
            while (buffer.hasRemaining()) {
              to.write(buffer);
            }
            if (fired != null) {
              fired.fired().complete(chunk);
            }
          }
        } catch (IOException | InterruptedException e) {
          close(); // a side went: the connection goes
        }
        if (pumping.decrementAndGet() == 0) {
          close();
        }
      }, name);
      thread.setDaemon(true);
      thread.start();
    }

    void close() {
      closed = true;
      links.remove(this);
      closeQuietly(client);
      closeQuietly(server);
      synchronized (gate) {
        gate.notifyAll(); // a pump held by a stall leaves now
      }
    }
  }
}
