package dev.pharos.checks;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;

/**
 * What probes share within one health checker: its Vertx, one HTTP client and one TCP client
 * (no client per check), and Docker's health of the containers it knows.
 */
public final class CheckContext {

  private final Vertx vertx;
  private final HttpClient http;
  private final NetClient tcp;
  private final ContainerHealth containers;
  private final TcpConnector connector;
  private final HttpProber prober;

  /** Must be made on the checker's context: the clients then run there. */
  public CheckContext(Vertx vertx, ContainerHealth containers) {
    this.vertx = vertx;
    this.containers = containers;
    var context = (io.vertx.core.internal.ContextInternal) vertx.getOrCreateContext();
    this.connector = new TcpConnector(context);
    this.prober = new HttpProber(context);
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
   * Opens a connection and drops it at once, as a tcp check: on the checker's event loop, an
   * address literal through Netty directly, a name through Vert.x's client (which resolves it
   * without blocking).
   */
  public Future<String> openAndDrop(String host, int port, long timeoutMs) {
    Future<String> direct = connector.connect(host, port, timeoutMs);
    if (direct != null) {
      return direct;
    }
    return tcp.connect(new io.vertx.core.net.ConnectOptions().setHost(host).setPort(port)
        .setTimeout((int) Math.min(Integer.MAX_VALUE, timeoutMs)))
      .compose(socket -> socket.close().map("connected"));
  }

  /**
   * A plain http check's GET of an address literal, on Netty's codec directly (see
   * {@link HttpProber}); null for a name, which the caller sends through {@link #http()}.
   */
  public Future<String> plainHttpGet(String host, int port, String uri, java.util.Map<String, String> headers,
                                     String expect, long connectTimeoutMs, long readTimeoutMs) {
    java.net.InetSocketAddress address = TcpConnector.literal(host, port);
    if (address == null) {
      return null;
    }
    String hostHeader = (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    return prober.get(address, hostHeader, uri, headers, expect, connectTimeoutMs, readTimeoutMs);
  }

  public ContainerHealth containers() {
    return containers;
  }

  public Future<Void> close() {
    return Future.all(http.close(), tcp.close()).mapEmpty();
  }
}
