package dev.pharos.checks;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.util.NetUtil;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * A tcp check's connection at HAProxy's cost: a Netty channel of Vert.x's own transport on the
 * checker's event loop, opened and dropped. On Linux's native transport the ACK of the handshake
 * is held back (TCP_QUICKACK off) and the close resets (SO_LINGER 0), so a listening port is
 * known from its SYN-ACK and the server never has a connection to accept and close, as HAProxy's
 * own checks do; no TIME_WAIT is left behind either. Vert.x's NetSocket around each connection
 * cost the checker twice the CPU.
 */
final class TcpConnector {

  /** The address of an address literal, or null for a name (resolving one here would block). */
  static InetSocketAddress literal(String host, int port) {
    byte[] address = NetUtil.createByteArrayFromIpAddressString(host);
    if (address == null) {
      return null;
    }
    try {
      return new InetSocketAddress(InetAddress.getByAddress(address), port);
    } catch (UnknownHostException e) {
      return null; // cannot happen for a literal's 4 or 16 bytes
    }
  }

  private final ContextInternal context;
  private final ChannelFactory<? extends Channel> channels;
  private final boolean epoll;

  TcpConnector(ContextInternal context) {
    this.context = context;
    this.channels = ((VertxInternal) context.owner()).transport().channelFactory(false);
    Channel probe = channels.newChannel();
    this.epoll = probe instanceof EpollSocketChannel;
    probe.unsafe().closeForcibly(); // never registered: close() wants an event loop
  }

  /**
   * Opens a connection to an address literal and drops it.
   *
   * @return null when {@code host} is a name: the caller resolves it (no blocking lookup here)
   */
  Future<String> connect(String host, int port, long timeoutMs) {
    InetSocketAddress target = literal(host, port);
    if (target == null) {
      return null;
    }
    return connect(target, timeoutMs);
  }

  /** Opens a connection to an address and drops it. */
  Future<String> connect(InetSocketAddress target, long timeoutMs) {
    Bootstrap bootstrap = new Bootstrap().group(context.nettyEventLoop()).channelFactory(channels)
      .handler(new ChannelInboundHandlerAdapter())
      .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeoutMs)))
      .option(ChannelOption.SO_LINGER, 0);
    if (epoll) {
      bootstrap.option(EpollChannelOption.TCP_QUICKACK, false);
    }
    Promise<String> result = context.promise();
    bootstrap.connect(target).addListener((ChannelFutureListener) connected -> {
      if (connected.isSuccess()) {
        connected.channel().close();
        result.tryComplete("connected");
      } else {
        Throwable cause = connected.cause();
        result.tryFail(cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage());
      }
    });
    return result.future();
  }
}
