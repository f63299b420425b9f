package dev.pharos.ambassador.impl;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.NetUtil;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.datagram.DatagramSocket;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.net.SocketAddress;

import java.net.InetSocketAddress;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * The socket a UDP listener's clients send to and get replies from: Vert.x's datagram socket on
 * the host, or a Netty datagram channel whose socket was created in an ambassador container's
 * network namespace ({@link NetworkNamespaces}), served on the verticle's event loop.
 */
public interface UdpClientSide {

  /** Binds {@code host:port}; each datagram received goes to {@code received} with its sender. */
  Future<Void> listen(int port, String host, BiConsumer<SocketAddress, Buffer> received);

  void send(Buffer data, SocketAddress to);

  Future<Void> close();

  static UdpClientSide onHost(Vertx vertx) {
    DatagramSocket socket = vertx.createDatagramSocket();
    return new UdpClientSide() {
      @Override
      public Future<Void> listen(int port, String host, BiConsumer<SocketAddress, Buffer> received) {
        socket.handler(p -> received.accept(p.sender(), p.data()));
        return socket.listen(port, host).mapEmpty();
      }

      @Override
      public void send(Buffer data, SocketAddress to) {
        socket.send(data, to.port(), to.host());
      }

      @Override
      public Future<Void> close() {
        return socket.close();
      }
    };
  }

  /** @param channel creates the datagram channel, not yet registered nor bound */
  static UdpClientSide inNamespace(ContextInternal context, Supplier<Future<DatagramChannel>> channel) {
    return new UdpClientSide() {
      private DatagramChannel bound;
      private boolean closed;

      @Override
      public Future<Void> listen(int port, String host, BiConsumer<SocketAddress, Buffer> received) {
        return channel.get().compose(created -> {
          if (closed) {
            created.unsafe().closeForcibly();
            return Future.failedFuture("closed");
          }
          created.pipeline().addLast(new SimpleChannelInboundHandler<DatagramPacket>() {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
              InetSocketAddress sender = packet.sender();
              received.accept(SocketAddress.inetSocketAddress(sender.getPort(), sender.getAddress().getHostAddress()),
                Buffer.buffer(ByteBufUtil.getBytes(packet.content())));
            }
          });
          Promise<Void> done = context.promise();
          context.nettyEventLoop().register(created).addListener((ChannelFutureListener) registered -> {
            if (!registered.isSuccess()) {
              done.tryFail(registered.cause());
              return;
            }
            created.bind(new InetSocketAddress(NetUtil.createInetAddressFromIpAddressString(host), port))
              .addListener((ChannelFutureListener) f -> {
                if (f.isSuccess() && !closed) {
                  bound = created;
                  done.tryComplete();
                } else {
                  created.close();
                  done.tryFail(f.isSuccess() ? new IllegalStateException("closed") : f.cause());
                }
              });
          });
          return done.future();
        });
      }

      @Override
      public void send(Buffer data, SocketAddress to) {
        if (bound != null) {
          bound.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(data.getBytes()),
            new InetSocketAddress(NetUtil.createInetAddressFromIpAddressString(to.host()), to.port())));
        }
      }

      @Override
      public Future<Void> close() {
        closed = true;
        if (bound == null) {
          return Future.succeededFuture();
        }
        Promise<Void> done = context.promise();
        bound.close().addListener(f -> done.tryComplete());
        return done.future();
      }
    };
  }
}
