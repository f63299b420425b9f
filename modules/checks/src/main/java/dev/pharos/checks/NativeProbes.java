package dev.pharos.checks;

import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoEvent;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.Socket;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;

/**
 * Tcp checks and plain http checks of address literals at HAProxy's cost: a bare non-blocking
 * socket of Linux's native transport, on the checker's own epoll loop through Netty's
 * {@link EpollIoHandle} (no Netty channel, pipeline, promise or Bootstrap per check).
 *
 * <p>As HAProxy does: the handshake's last ACK is held back ({@code TCP_QUICKACK} off) and the
 * socket closes with {@code SO_LINGER} 0, so a tcp check resets at the SYN-ACK and the service
 * never has a connection to accept, nor anyone a TIME_WAIT. A connect that is done by the time
 * the call returns (loopback, a local container) is known at once, without a trip through
 * epoll: a tcp check asks the socket's {@code TCP_INFO} state, an http check just sends its GET
 * (a socket still connecting answers EAGAIN); otherwise the socket waits on epoll for it. An
 * http check's GET, in one send, carries the held-back ACK; it reads the status line and decides
 * on its code (2xx passes, as in Nerve), then resets.
 *
 * <p>Runs on its loop only; the caller takes Netty's channels elsewhere and for what this does
 * not do (names, TLS, {@code expect}).
 */
final class NativeProbes {

  private static final int IPPROTO_TCP = 6;
  private static final int TCP_INFO = 11;
  private static final int TCP_QUICKACK = 12;
  private static final int TCP_ESTABLISHED = 1;
  private static final int TCP_SYN_SENT = 2;
  private static final boolean LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
  /** "HTTP/1.1 200": what decides. */
  private static final int STATUS_LINE = 12;
  /** An http check's request must fit this (the caller takes Netty's channels for a longer one). */
  static final int MAX_REQUEST = 8192;

  /** The native loop, or null when the checker's loop is not epoll's. */
  static NativeProbes on(ContextInternal context, CheckClock clock) {
    if (!Boolean.parseBoolean(System.getProperty("pharos.checks.nativeProbes", "true"))) {
      return null; // the way out, should this path ever misbehave somewhere: Netty's channels
    }
    try {
      if (!context.isEventLoopContext() || !Epoll.isAvailable() || !(context.nettyEventLoop() instanceof IoEventLoop loop)
        || !loop.isCompatible(Conn.class)) {
        return null;
      }
      return new NativeProbes(context, loop, clock);
    } catch (LinkageError e) {
      return null; // no native epoll classes on this platform
    }
  }

  private final ContextInternal context;
  private final IoEventLoop loop;
  private final CheckClock clock;
  /** The request being sent and the answer being read, one at a time on this loop. */
  private final ByteBuffer scratch = ByteBuffer.allocateDirect(MAX_REQUEST).order(ByteOrder.nativeOrder());
  private long probes;
  /**
   * Http checks whose whole request went out on a socket not yet on epoll: their answers are read
   * at the clock's next tick, and only a socket with no answer by then goes on epoll. On loopback
   * or to a local container the answer has come by then, and each check saves an epoll
   * registration (two {@code epoll_ctl}, Netty's registration map, the kernel's epitem at close).
   */
  private final ArrayDeque<Conn> answersDue = new ArrayDeque<>();
  private final CheckClock.Timer readAnswers = new CheckClock.Timer() {
    @Override
    protected void fire() {
      for (Conn conn = answersDue.poll(); conn != null; conn = answersDue.poll()) {
        conn.readOrWait();
      }
    }
  };

  private NativeProbes(ContextInternal context, IoEventLoop loop, CheckClock clock) {
    this.context = context;
    this.loop = loop;
    this.clock = clock;
  }

  /** Probes run here so far (the checker's status shows it). */
  long probes() {
    return probes;
  }

  /** A socket of the address's family (no dual-stack socket for an IPv4 target). */
  private static final class RawSocket extends Socket {
    RawSocket(boolean ipv6) {
      super(newSocketStream0(ipv6));
    }
  }

  /** Opens a connection to {@code target} and resets it once it is up. */
  Future<String> tcp(InetSocketAddress target, long timeoutMs) {
    probes++;
    RawSocket socket = null;
    try {
      socket = open(target, true);
      if (socket.connect(target) || established(socket)) {
        socket.close();
        return context.succeededFuture("connected");
      }
    } catch (IOException e) {
      closeQuietly(socket);
      return context.failedFuture(why(e, target));
    }
    Conn conn = new Conn(socket, target, null, Math.max(1, timeoutMs), 0);
    conn.waitForConnect();
    return conn.result.future();
  }

  /**
   * One GET of {@code request} (the whole request, bytes ready) on a new connection to
   * {@code target}: passes on a 2xx status line.
   */
  Future<String> http(InetSocketAddress target, byte[] request, long connectTimeoutMs, long readTimeoutMs) {
    probes++;
    RawSocket socket = null;
    boolean connected;
    try {
      // the ACK held back here goes with the request: one packet fewer for both ends
      socket = open(target, true);
      connected = socket.connect(target);
    } catch (IOException e) {
      closeQuietly(socket);
      return context.failedFuture(why(e, target));
    }
    Conn conn = new Conn(socket, target, request, Math.max(1, connectTimeoutMs), Math.max(1, readTimeoutMs));
    if (connected) {
      conn.connected();
    } else {
      conn.sendIfConnected();
    }
    return conn.result.future();
  }

  private static void closeQuietly(Socket socket) {
    if (socket != null) {
      try {
        socket.close();
      } catch (IOException e) {
        // gone either way
      }
    }
  }

  private static RawSocket open(InetSocketAddress target, boolean holdAck) throws IOException {
    RawSocket socket = new RawSocket(target.getAddress() instanceof Inet6Address);
    try {
      socket.setSoLinger(0);
      if (holdAck) {
        socket.setIntOpt(IPPROTO_TCP, TCP_QUICKACK, 0);
      }
    } catch (IOException e) {
      socket.close();
      throw e;
    }
    return socket;
  }

  /** The kernel's TCP state of the socket (its {@code tcp_info}'s first byte). */
  private static int state(Socket socket) throws IOException {
    int head = socket.getIntOpt(IPPROTO_TCP, TCP_INFO);
    return LITTLE_ENDIAN ? head & 0xff : head >>> 24;
  }

  private static boolean established(Socket socket) throws IOException {
    return state(socket) == TCP_ESTABLISHED;
  }

  private static String why(Throwable e, InetSocketAddress target) {
    return cause(e) + ": " + target.getHostString() + ":" + target.getPort();
  }

  /** The error's own words: Netty's native errors read "recv(..) failed with error(-104): Connection reset by peer". */
  private static String cause(Throwable e) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    int end = Math.max(message.lastIndexOf("): "), message.lastIndexOf("failed: "));
    return end < 0 ? message : message.substring(message.indexOf(": ", end) + 2);
  }

  /** One check's connection while it waits on epoll; also its deadline on the clock. */
  private final class Conn extends CheckClock.Timer implements EpollIoHandle {
    final RawSocket socket;
    final InetSocketAddress target;
    final byte[] request;
    final long connectTimeoutMs;
    final long readTimeoutMs;
    final Promise<String> result = context.promise();
    IoRegistration registration;
    /** Sent of the request, then read of the status line. */
    int sent;
    int read;
    final byte[] line = new byte[STATUS_LINE];
    boolean reading;
    boolean closed;

    /** {@code request} null: a tcp check, done once connected. */
    Conn(RawSocket socket, InetSocketAddress target, byte[] request, long connectTimeoutMs, long readTimeoutMs) {
      this.socket = socket;
      this.target = target;
      this.request = request;
      this.connectTimeoutMs = connectTimeoutMs;
      this.readTimeoutMs = readTimeoutMs;
    }

    @Override
    public FileDescriptor fd() {
      return socket;
    }

    private boolean register() {
      if (registration != null) {
        return true;
      }
      try {
        registration = loop.register(this).getNow();
        if (registration == null) {
          fail("the checker's event loop refused the socket");
          return false;
        }
        return true;
      } catch (RuntimeException e) {
        fail(why(e, target));
        return false;
      }
    }

    void waitForConnect() {
      if (!register()) {
        return;
      }
      try {
        registration.submit(EpollIoOps.EPOLLOUT);
      } catch (Exception e) {
        fail(why(e, target));
        return;
      }
      clock.schedule(this, connectTimeoutMs);
    }

    /**
     * An http check's connect came back "in progress": on loopback or to a local container the
     * handshake is done by then, and the send that takes the request says so (a socket still
     * connecting answers EAGAIN, and is waited for) without asking the socket's state first.
     */
    void sendIfConnected() {
      int n;
      try {
        n = socket.send(requestBuffer(), 0, request.length);
      } catch (IOException e) {
        fail(why(e, target));
        return;
      }
      if (n == 0) {
        waitForConnect();
        return;
      }
      sent = n;
      reading = true;
      clock.schedule(this, readTimeoutMs);
      awaitAnswer();
    }

    private ByteBuffer requestBuffer() {
      scratch.clear();
      scratch.put(request, sent, request.length - sent);
      return scratch;
    }

    /** The connection is up: a tcp check passes, an http check sends its request. */
    void connected() {
      if (request == null) {
        succeed("connected");
        return;
      }
      cancel(); // the connect's deadline
      reading = true;
      clock.schedule(this, readTimeoutMs);
      send();
    }

    private void send() {
      try {
        int n = socket.send(requestBuffer(), 0, request.length - sent);
        sent += Math.max(n, 0);
      } catch (IOException e) {
        fail(why(e, target));
        return;
      }
      awaitAnswer();
    }

    private void awaitAnswer() {
      if (registration == null && sent == request.length) {
        answersDue.add(this);
        if (!readAnswers.pending()) {
          clock.schedule(readAnswers, 0);
        }
        return;
      }
      waitOnEpoll();
    }

    /** At the tick after the request went out: the answer if it came, else epoll waits for it. */
    void readOrWait() {
      if (closed) {
        return;
      }
      receive();
      if (!closed) {
        waitOnEpoll();
      }
    }

    private void waitOnEpoll() {
      if (!register()) {
        return;
      }
      try {
        // the rest when there is room again; else the answer
        registration.submit(sent < request.length ? EpollIoOps.EPOLLOUT : EpollIoOps.EPOLLIN);
      } catch (Exception e) {
        fail(why(e, target));
      }
    }

    @Override
    public void handle(IoRegistration registration, IoEvent event) {
      if (closed) {
        return;
      }
      EpollIoOps ops = ((EpollIoEvent) event).ops();
      try {
        if (!reading) {
          int state = state(socket);
          if (state == TCP_ESTABLISHED) {
            connected();
          } else if (state != TCP_SYN_SENT || ops.contains(EpollIoOps.EPOLLERR)) {
            socket.finishConnect(); // throws why (refused, unreachable)
            fail("connection failed: " + target.getHostString() + ":" + target.getPort());
          }
        } else if (sent < request.length) {
          send();
        } else {
          receive();
        }
      } catch (IOException e) {
        fail(why(e, target));
      }
    }

    private void receive() {
      int n;
      try {
        n = socket.recv(scratch, 0, STATUS_LINE - read);
      } catch (IOException e) {
        fail("connection closed before an answer: " + cause(e));
        return;
      }
      if (n == 0) {
        return; // nothing yet (EAGAIN)
      }
      if (n < 0) {
        fail("connection closed before an answer");
        return;
      }
      scratch.get(0, line, read, n);
      read += n;
      if (read < STATUS_LINE) {
        return;
      }
      int status = status(line);
      if (status < 0) {
        fail("not an HTTP answer: " + new String(line, java.nio.charset.StandardCharsets.ISO_8859_1).strip());
      } else if (status >= 200 && status < 300) {
        succeed(HttpProber.passed(status));
      } else {
        fail(HttpProber.failed(status));
      }
    }

    /**
     * The deadline: connect or answer. What the socket already has counts first: a loop busy
     * past the deadline (a loaded host) may not have heard of a connect or an answer that came
     * in time, and timers run after the loop's I/O only once it catches up.
     */
    @Override
    protected void fire() {
      if (closed) {
        return;
      }
      try {
        if (!reading && state(socket) == TCP_ESTABLISHED) {
          connected(); // a tcp check passes; an http check sends and waits for its answer
          return;
        }
        if (reading && sent == request.length) {
          receive();
          if (closed) {
            return;
          }
        }
      } catch (IOException e) {
        fail(why(e, target));
        return;
      }
      fail(reading ? "no answer within the read timeout"
        : "connection timed out after " + connectTimeoutMs + " ms: " + target.getHostString() + ":" + target.getPort());
    }

    private void succeed(String detail) {
      release();
      result.tryComplete(detail);
    }

    private void fail(String why) {
      release();
      result.tryFail(why);
    }

    /** Netty's, when the loop closes with the socket still on it. */
    @Override
    public void close() {
      fail("the checker's event loop closed");
    }

    private void release() {
      if (closed) {
        return;
      }
      closed = true;
      cancel();
      try {
        // closed first: the registration then needs no epoll_ctl of its own to go
        socket.close();
      } catch (IOException e) {
        // the descriptor is gone either way
      }
      if (registration != null) {
        registration.cancel();
      }
    }
  }

  /** "HTTP/1.x NNN" to NNN, or -1. */
  static int status(byte[] line) {
    if (line[0] != 'H' || line[1] != 'T' || line[2] != 'T' || line[3] != 'P' || line[4] != '/' || line[5] != '1'
      || line[6] != '.' || line[8] != ' ') {
      return -1;
    }
    int status = 0;
    for (int i = 9; i < 12; i++) {
      int digit = line[i] - '0';
      if (digit < 0 || digit > 9) {
        return -1;
      }
      status = status * 10 + digit;
    }
    return status;
  }
}
