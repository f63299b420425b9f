package dev.pharos.dns.impl;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.util.NetUtil;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.spi.transport.Transport;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * One server instance: a UDP socket and a TCP listener on the same address and port, Netty
 * channels of Vert.x's own transport on the verticle's event loop, so every query is answered on
 * that loop and nothing is shared across threads. On the native transport the port is opened
 * with SO_REUSEPORT, so several instances share it and the kernel spreads the queries.
 */
public final class DnsServer {

  static final int UDP_RECEIVE_BUFFER = 1 << 20;
  /** The largest UDP query read whole: a query is one question and an OPT record, a few hundred bytes. */
  static final int MAX_QUERY = 4096;

  private final ContextInternal context;
  private final Transport transport;
  private final Responder responder;
  private final DnsMeters meters;
  private final SourceLimiter limiter;
  private final TcpQueries.Limits limits;
  private Channel udp;
  private Channel tcp;

  public DnsServer(ContextInternal context, Responder responder, DnsMeters meters, int sourceQueriesPerSecond,
                   int maxTcpConnections, long tcpIdleMs) {
    this.context = context;
    this.transport = ((VertxInternal) context.owner()).transport();
    this.responder = responder;
    this.meters = meters;
    this.limiter = new SourceLimiter(sourceQueriesPerSecond);
    this.limits = new TcpQueries.Limits(maxTcpConnections, tcpIdleMs);
  }

  /**
   * Listens on {@code host:port}, UDP and TCP; port 0 takes a free TCP port and the same for UDP.
   *
   * @return the port
   */
  public Future<Integer> listen(String host, int port) {
    byte[] literal = NetUtil.createByteArrayFromIpAddressString(host);
    if (literal == null) {
      return Future.failedFuture("dns.host: '" + host + "' is not an address literal");
    }
    InetAddress address;
    try {
      address = InetAddress.getByAddress(literal);
    } catch (java.net.UnknownHostException e) {
      return Future.failedFuture(e);
    }
    return listen(address, port, port == 0 ? 5 : 1);
  }

  private Future<Integer> listen(InetAddress address, int port, int attempts) {
    return bindTcp(new InetSocketAddress(address, port)).compose(server -> {
      tcp = server;
      int bound = ((InetSocketAddress) server.localAddress()).getPort();
      return bindUdp(new InetSocketAddress(address, bound)).map(socket -> {
        udp = socket;
        return bound;
      }).recover(err -> {
        // a free TCP port whose UDP twin is taken: try another
        Future<Void> closed = close(server);
        tcp = null;
        return attempts > 1 ? closed.compose(v -> listen(address, port, attempts - 1)) : Future.failedFuture(err);
      });
    });
  }

  private Future<Channel> bindUdp(InetSocketAddress address) {
    EventLoop loop = context.nettyEventLoop();
    InternetProtocolFamily family = address.getAddress() instanceof java.net.Inet6Address ? InternetProtocolFamily.IPv6 : InternetProtocolFamily.IPv4;
    Bootstrap bootstrap = new Bootstrap().group(loop)
      .channelFactory(() -> transport.datagramChannel(family))
      .handler(new ChannelInitializer<DatagramChannel>() {
        @Override
        protected void initChannel(DatagramChannel ch) {
          UdpQueries.pipeline(ch.pipeline(), responder, limiter, meters);
        }
      });
    // room for a burst of queries while the loop is busy (the kernel caps it at net.core.rmem_max)
    bootstrap.option(ChannelOption.SO_RCVBUF, UDP_RECEIVE_BUFFER);
    DatagramChannel probe = transport.datagramChannel(family);
    if (probe instanceof EpollDatagramChannel) {
      // recvmmsg: up to 16 queries a system call, each up to the largest UDP message a client may send us
      bootstrap.option(EpollChannelOption.SO_REUSEPORT, true)
        .option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, MAX_QUERY)
        .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_QUERY * 16));
    }
    probe.unsafe().closeForcibly(); // never registered: close() wants an event loop
    return future(bootstrap.bind(address));
  }

  private Future<Channel> bindTcp(InetSocketAddress address) {
    EventLoop loop = context.nettyEventLoop();
    ServerBootstrap bootstrap = new ServerBootstrap().group(loop, loop)
      .channelFactory(transport.serverChannelFactory(false))
      .option(ChannelOption.SO_BACKLOG, 128)
      .childOption(ChannelOption.TCP_NODELAY, true)
      .childHandler(new ChannelInitializer<Channel>() {
        @Override
        protected void initChannel(Channel ch) {
          TcpQueries.pipeline(ch.pipeline(), responder, limits, meters);
        }
      });
    Channel probe = transport.serverChannelFactory(false).newChannel();
    if (probe instanceof EpollServerSocketChannel) {
      bootstrap.option(EpollChannelOption.SO_REUSEPORT, true);
    }
    probe.unsafe().closeForcibly();
    return future(bootstrap.bind(address));
  }

  private Future<Channel> future(ChannelFuture bind) {
    Promise<Channel> promise = context.promise();
    bind.addListener(f -> {
      if (f.isSuccess()) {
        promise.complete(bind.channel());
      } else {
        promise.fail(f.cause());
      }
    });
    return promise.future();
  }

  private Future<Void> close(Channel channel) {
    Promise<Void> promise = context.promise();
    channel.close().addListener(f -> promise.complete());
    return promise.future();
  }

  /** How many TCP connections are open now. */
  public int tcpConnections() {
    return limits.open;
  }

  public Future<Void> close() {
    Future<Void> a = udp == null ? Future.succeededFuture() : close(udp);
    Future<Void> b = tcp == null ? Future.succeededFuture() : close(tcp);
    java.util.List<Future<Void>> all = new java.util.ArrayList<>(java.util.List.of(a, b));
    java.util.List.copyOf(limits.channels).forEach(connection -> all.add(close(connection)));
    return Future.join(all).mapEmpty();
  }
}
