package dev.pharos.harness.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the health-check benchmark checks, in a process of its own so that its CPU is measured
 * apart from the checker's: HTTP servers on {@code count} consecutive ports from {@code basePort},
 * bound to every address so that each 127.0.x.y:port is an endpoint. Answers every request with
 * 200 "ok". Counts connections at accept (a tcp check opens one and closes it, HAProxy's with a
 * reset before a byte is read) and requests; a line on its stdin is answered on stdout with
 * "connections requests". Plain Netty, so that the count happens before any protocol handling.
 * {@code java ... CheckTargets basePort count}
 */
public final class CheckTargets {

  private CheckTargets() {
  }

  public static void main(String[] args) throws Exception {
    int basePort = Integer.parseInt(args[0]);
    int count = Integer.parseInt(args[1]);
    LongAdder connections = new LongAdder();
    LongAdder requests = new LongAdder();
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    ServerBootstrap bootstrap = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
      .option(ChannelOption.SO_BACKLOG, 4096)
      .childHandler(new ChannelInitializer<SocketChannel>() {
        @Override
        protected void initChannel(SocketChannel channel) {
          connections.increment();
          channel.pipeline().addLast(new HttpServerCodec(), new SimpleChannelInboundHandler<HttpRequest>() {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, HttpRequest request) {
              requests.increment();
              FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Unpooled.copiedBuffer("ok", StandardCharsets.US_ASCII));
              response.headers().set(HttpHeaderNames.CONTENT_LENGTH, 2);
              boolean keepAlive = HttpUtil.isKeepAlive(request);
              var written = ctx.writeAndFlush(response);
              if (!keepAlive) {
                written.addListener(ChannelFutureListener.CLOSE);
              }
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
              ctx.close(); // resets from checkers that hang up at once
            }
          });
        }
      });
    for (int i = 0; i < count; i++) {
      bootstrap.bind("0.0.0.0", basePort + i).sync();
    }
    System.out.println("ready");
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    while (in.readLine() != null) {
      System.out.println(connections.sum() + " " + requests.sum());
      System.out.flush();
    }
    group.shutdownGracefully();
  }
}
