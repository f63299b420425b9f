package dev.pharos.checks;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;

import java.net.InetSocketAddress;
import java.util.Map;

/**
 * What probes share within one health checker: its Vertx, one HTTP client and one TCP client
 * (no client per check), its timers ({@link CheckClock}) and Docker's health of the containers
 * it knows. On Linux's native transport, tcp and plain http checks of address literals run as
 * bare sockets on the checker's loop ({@link NativeProbes}); elsewhere, or off the checker's
 * context, as Netty channels ({@link TcpConnector}, {@link HttpProber}).
 */
public final class CheckContext {

  private final Vertx vertx;
  private final ContextInternal context;
  private final boolean eventLoop;
  private final HttpClient http;
  private final NetClient tcp;
  private final ContainerHealth containers;
  private final TcpConnector connector;
  private final HttpProber prober;
  private final CheckClock clock;
  /** Null off Linux's native transport. */
  private final NativeProbes natives;

  /** Must be made on the checker's context: the clients and timers then run there. */
  public CheckContext(Vertx vertx, ContainerHealth containers) {
    this.vertx = vertx;
    this.containers = containers;
    // the event-loop context itself: made in a handler, the caller's is a duplicate of it
    this.context = ((ContextInternal) vertx.getOrCreateContext()).unwrap();
    this.eventLoop = context.isEventLoopContext();
    this.connector = new TcpConnector(context);
    this.prober = new HttpProber(context);
    this.clock = new CheckClock(context);
    this.natives = NativeProbes.on(context, clock);
    // Nerve opens a new connection for each check; ssl checks do not verify the certificate
    this.http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false).setTrustAll(true).setVerifyHost(false),
      new PoolOptions().setHttp1MaxSize(4));
    this.tcp = vertx.createNetClient(new NetClientOptions().setTrustAll(true).setHostnameVerificationAlgorithm(""));
  }

  public Vertx vertx() {
    return vertx;
  }

  public HttpClient http() {
    return http;
  }

  public NetClient tcp() {
    return tcp;
  }

  /**
   * True when the caller runs on the checker's own event-loop context, where its clock and native
   * probes are, or on a duplicate of it: Vert.x runs bus handlers and timers on duplicates.
   */
  private boolean onContext() {
    return eventLoop && CheckClock.on(context);
  }

  /**
   * Runs {@code task} in {@code delayMs} (give or take {@link CheckClock#TICK_MS}) on the
   * caller's context: on the checker's clock when called on its context, so that what is due
   * together runs in one wake-up, else on a Vert.x timer.
   *
   * @return cancels the task (called on the same context)
   */
  public Runnable later(long delayMs, Runnable task) {
    if (onContext()) {
      return clock.schedule(delayMs, task)::cancel;
    }
    return exactly(delayMs, task);
  }

  /**
   * Runs {@code task} in {@code delayMs} on the caller's context, on a Vert.x timer: not rounded
   * up to the clock's tick, for the few short waits where a tick is much of the wait.
   *
   * @return cancels the task (called on the same context)
   */
  public Runnable exactly(long delayMs, Runnable task) {
    long id = vertx.setTimer(Math.max(1, delayMs), t -> task.run());
    return () -> vertx.cancelTimer(id);
  }

  /** How many checks ran as bare native sockets (none off Linux's native transport). */
  public long nativeProbes() {
    return natives == null ? 0 : natives.probes();
  }

  /** The socket address of an address literal, or null for a name (resolving one here would block). */
  public static InetSocketAddress literal(String host, int port) {
    return TcpConnector.literal(host, port);
  }

  /**
   * Opens a connection and drops it at once, as a tcp check: on the checker's event loop, an
   * address literal through Netty directly, a name through Vert.x's client (which resolves it
   * without blocking).
   */
  public Future<String> openAndDrop(String host, int port, long timeoutMs) {
    InetSocketAddress address = literal(host, port);
    if (address != null) {
      return openAndDrop(address, timeoutMs);
    }
    return tcp.connect(new io.vertx.core.net.ConnectOptions().setHost(host).setPort(port)
        .setTimeout((int) Math.min(Integer.MAX_VALUE, timeoutMs)))
      .compose(socket -> socket.close().map("connected"));
  }

  /** A tcp check of an address (see {@link #literal}). */
  public Future<String> openAndDrop(InetSocketAddress address, long timeoutMs) {
    if (natives != null && onContext()) {
      return natives.tcp(address, timeoutMs);
    }
    return connector.connect(address, timeoutMs);
  }

  /**
   * A plain http check's whole request, as bytes: one GET of {@code uri} with {@code Connection:
   * close}, {@code Host} (unless {@code headers} has one) and {@code headers}.
   */
  public static byte[] httpRequest(String host, int port, String uri, Map<String, String> headers) {
    String hostHeader = (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    return HttpProber.requestBytes(hostHeader, uri, headers);
  }

  /**
   * A plain http check's GET of an address literal, on Netty's codec directly (see
   * {@link HttpProber}); null for a name, which the caller sends through {@link #http()}.
   */
  public Future<String> plainHttpGet(String host, int port, String uri, Map<String, String> headers,
                                     String expect, long connectTimeoutMs, long readTimeoutMs) {
    InetSocketAddress address = literal(host, port);
    if (address == null) {
      return null;
    }
    return plainHttpGet(address, httpRequest(host, port, uri, headers), expect, connectTimeoutMs, readTimeoutMs);
  }

  /**
   * A plain http check of an address with its request ready ({@link #httpRequest}): a bare
   * socket that reads the status line when it can, else Netty's codec.
   */
  public Future<String> plainHttpGet(InetSocketAddress address, byte[] request, String expect, long connectTimeoutMs,
                                     long readTimeoutMs) {
    if (expect == null && natives != null && request.length <= NativeProbes.MAX_REQUEST && onContext()) {
      return natives.http(address, request, connectTimeoutMs, readTimeoutMs);
    }
    return prober.get(address, request, expect, connectTimeoutMs, readTimeoutMs);
  }

  public ContainerHealth containers() {
    return containers;
  }

  public Future<Void> close() {
    return Future.all(http.close(), tcp.close()).mapEmpty();
  }
}
