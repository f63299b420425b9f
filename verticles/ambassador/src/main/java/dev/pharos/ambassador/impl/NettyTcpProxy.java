package dev.pharos.ambassador.impl;

import dev.pharos.ambassador.ServiceDescriptor;
import dev.pharos.catalog.CatalogEndpoint;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ServerChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.unix.UnixChannelOption;
import io.netty.util.NetUtil;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.internal.resolver.NameResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.function.Supplier;

/**
 * A TCP listener in plain Netty on the verticle's event loop, for a listening socket Vert.x's
 * NetServer cannot adopt: one created in another network namespace ({@link NetworkNamespaces}).
 * Each accepted connection is held unread until its endpoint connection is made, then bytes are
 * relayed both ways with back-pressure on writability (a side whose peer cannot take more stops
 * reading until the peer drains), Netty's proxy example's pattern. Endpoint connections are
 * created on the event loop, in the host's namespace, where the endpoints' addresses are.
 */
public final class NettyTcpProxy extends ProxyListener {

  private static final Logger LOG = LoggerFactory.getLogger(NettyTcpProxy.class);

  private final ContextInternal context;
  private final Supplier<Future<ServerChannel>> serverChannel;
  private final ChannelFactory<? extends Channel> clientChannels;
  private final NameResolver resolver;
  private final int connectTimeoutMs;
  private final String namespace;
  /** The listening channel and every connection, closed together. */
  private final ChannelGroup channels;
  /** Closed before its socket came: a socket that comes late is closed at once. */
  private boolean closed;

  /**
   * @param serverChannel creates the listening channel, not yet registered nor bound
   * @param namespace     where it listens, for the listing: a container's name, or {@code host}
   */
  public NettyTcpProxy(ContextInternal context, Supplier<Future<ServerChannel>> serverChannel, String namespace,
                       ServiceDescriptor descriptor, String host, Balancer.Strategy strategy, Balancer.Ejection ejection,
                       int connectTimeoutMs, MeterRegistry meters) {
    super(descriptor, host, strategy, ejection, meters);
    this.context = context;
    this.serverChannel = serverChannel;
    this.namespace = namespace;
    VertxInternal vertx = context.owner();
    this.clientChannels = vertx.transport().channelFactory(false);
    this.resolver = vertx.nameResolver();
    this.connectTimeoutMs = connectTimeoutMs;
    this.channels = new DefaultChannelGroup(context.nettyEventLoop());
  }

  @Override
  public String namespace() {
    return namespace;
  }

  @Override
  public Future<Void> listen() {
    return serverChannel.get().compose(created -> {
      if (closed) {
        created.unsafe().closeForcibly();
        return Future.failedFuture("closed");
      }
      // every ambassador instance listens in the namespace, as Vert.x's NetServers share a port on the host (epoll only)
      created.config().setOption(UnixChannelOption.SO_REUSEPORT, true);
      Promise<Void> bound = context.promise();
      new ServerBootstrap().group(context.nettyEventLoop()).channelFactory((ChannelFactory<ServerChannel>) () -> created)
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.AUTO_READ, false).childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<>() {
          @Override
          protected void initChannel(Channel inbound) {
            channels.add(inbound);
            inbound.pipeline().addLast(new Accepted());
          }
        })
        .bind(new InetSocketAddress(NetUtil.createInetAddressFromIpAddressString(host), descriptor.port()))
        .addListener((ChannelFutureListener) f -> {
          if (f.isSuccess() && closed) {
            f.channel().close(); // close() came during the bind
            bound.tryFail("closed");
          } else if (f.isSuccess()) {
            channels.add(f.channel());
            bound.tryComplete();
          } else {
            bound.tryFail(f.cause()); // the bootstrap closed the channel
          }
        });
      return bound.future();
    });
  }

  @Override
  public Future<Void> close() {
    closed = true;
    Promise<Void> done = context.promise();
    channels.close().addListener(f -> done.tryComplete());
    return done.future();
  }

  /** An accepted connection, until its endpoint connection is made. */
  private final class Accepted extends ChannelInboundHandlerAdapter {
    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      connect(ctx.channel(), balancer.order(), 0);
    }
  }

  private void connect(Channel inbound, List<CatalogEndpoint> candidates, int i) {
    if (!inbound.isActive()) {
      return;
    }
    if (i >= candidates.size()) {
      refused();
      inbound.close();
      return;
    }
    CatalogEndpoint endpoint = candidates.get(i);
    Bootstrap bootstrap = new Bootstrap().group(inbound.eventLoop()).channelFactory(clientChannels)
      .resolver(resolver.nettyAddressResolverGroup())
      .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMs).option(ChannelOption.TCP_NODELAY, true)
      .option(ChannelOption.AUTO_READ, false)
      .handler(new Relay(inbound, meters.toClient));
    bootstrap.connect(address(endpoint)).addListener((ChannelFutureListener) f -> {
      if (!f.isSuccess()) {
        LOG.debug("{}: endpoint {} refused: {}", descriptor.spec(), endpoint.address(), f.cause().getMessage());
        balancer.failed(endpoint);
        connect(inbound, candidates, i + 1);
        return;
      }
      Channel outbound = f.channel();
      channels.add(outbound);
      forwarded();
      balancer.succeeded(endpoint);
      balancer.opened(endpoint);
      outbound.closeFuture().addListener(v -> balancer.closed(endpoint));
      if (!inbound.isActive()) {
        outbound.close();
        return;
      }
      inbound.pipeline().replace(Accepted.class, "relay", new Relay(outbound, meters.toEndpoint));
      inbound.config().setAutoRead(true);
      outbound.config().setAutoRead(true);
    });
  }

  /** A literal needs no lookup; a name is looked up by Vert.x's resolver, never blocking the loop. */
  private static InetSocketAddress address(CatalogEndpoint endpoint) {
    byte[] literal = NetUtil.createByteArrayFromIpAddressString(endpoint.host());
    if (literal != null) {
      try {
        return new InetSocketAddress(InetAddress.getByAddress(literal), endpoint.port());
      } catch (UnknownHostException cannotHappen) {
        // 4 or 16 bytes
      }
    }
    return InetSocketAddress.createUnresolved(endpoint.host(), endpoint.port());
  }

  /** Relays what its channel reads to {@code peer}; reads only while the peer can take more. */
  private static final class Relay extends ChannelInboundHandlerAdapter {
    private final Channel peer;
    private final Counter bytes;

    Relay(Channel peer, Counter bytes) {
      this.peer = peer;
      this.bytes = bytes;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof ByteBuf buf) {
        bytes.increment(buf.readableBytes());
      }
      peer.write(msg, peer.voidPromise()); // the write releases the buffer, also when it fails
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      peer.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      peer.config().setAutoRead(ctx.channel().isWritable());
      ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (peer.isActive()) {
        peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      LOG.debug("relay: {}", cause.getMessage());
      ctx.close();
    }
  }
}
