package dev.pharos.checks;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A plain http check's request on Netty's HTTP codec, on a channel of Vert.x's own transport on
 * the checker's event loop: one GET with {@code Connection: close}, the status line read, the
 * body read only when an {@code expect} text needs it (up to {@link #MAX_BODY}), then a reset
 * (SO_LINGER 0) rather than a close, so neither side keeps a TIME_WAIT. Vert.x's HttpClient
 * around each such one-shot request cost the checker four times HAProxy's CPU per check.
 */
final class HttpProber {

  /** An expected text further into the body than this is not looked for (HAProxy's default check buffer is 16 KiB). */
  static final int MAX_BODY = 64 * 1024;

  private final ContextInternal context;
  private final ChannelFactory<? extends Channel> channels;

  HttpProber(ContextInternal context) {
    this.context = context;
    this.channels = ((VertxInternal) context.owner()).transport().channelFactory(false);
  }

  /**
   * @param address      an address literal, resolved (no lookup on the event loop)
   * @param hostHeader   the {@code Host} header unless {@code headers} set one
   * @param expect       a text the body must contain, or null
   * @return succeeds with "http CODE" on a 2xx (with the text, when asked), fails with why not
   */
  Future<String> get(InetSocketAddress address, String hostHeader, String uri, Map<String, String> headers,
                     String expect, long connectTimeoutMs, long readTimeoutMs) {
    Promise<String> result = context.promise();
    FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
    request.headers().set(HttpHeaderNames.HOST, hostHeader).set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    headers.forEach((name, value) -> request.headers().set(name, value));
    Bootstrap bootstrap = new Bootstrap().group(context.nettyEventLoop()).channelFactory(channels)
      .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, Math.max(1, connectTimeoutMs)))
      .option(ChannelOption.SO_LINGER, 0)
      .handler(new ChannelInitializer<>() {
        @Override
        protected void initChannel(Channel channel) {
          channel.pipeline().addLast(new ReadTimeoutHandler(Math.max(1, readTimeoutMs), TimeUnit.MILLISECONDS),
            new HttpClientCodec(), new Answer(expect, result));
        }
      });
    bootstrap.connect(address).addListener((ChannelFutureListener) connected -> {
      if (connected.isSuccess()) {
        connected.channel().writeAndFlush(request);
      } else {
        request.release();
        result.tryFail(why(connected.cause()));
      }
    });
    return result.future();
  }

  private static String why(Throwable cause) {
    return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
  }

  /** Reads the answer: the status decides, the body only when a text is expected. */
  private static final class Answer extends SimpleChannelInboundHandler<HttpObject> {
    private final String expect;
    private final Promise<String> result;
    private int status;
    private ByteBuf body;

    Answer(String expect, Promise<String> result) {
      this.expect = expect;
      this.result = result;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HttpObject message) {
      if (message instanceof HttpResponse response) {
        status = response.status().code();
        if (status < 200 || status >= 300) {
          finish(ctx, false, "http " + status);
          return;
        }
        if (expect == null) {
          finish(ctx, true, "http " + status);
          return;
        }
        body = ctx.alloc().buffer();
      }
      if (message instanceof HttpContent content && body != null) {
        body.writeBytes(content.content(), content.content().readerIndex(),
          Math.min(content.content().readableBytes(), MAX_BODY - body.readableBytes()));
        if (body.toString(StandardCharsets.UTF_8).contains(expect)) {
          finish(ctx, true, "http " + status);
        } else if (message instanceof LastHttpContent || body.readableBytes() >= MAX_BODY) {
          finish(ctx, false, "http " + status + " without the expected text");
        }
      }
    }

    private void finish(ChannelHandlerContext ctx, boolean passed, String detail) {
      if (passed) {
        result.tryComplete(detail);
      } else {
        result.tryFail(detail);
      }
      release();
      ctx.close();
    }

    private void release() {
      if (body != null) {
        body.release();
        body = null;
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      release();
      result.tryFail(status == 0 ? "connection closed before an answer" : "connection closed during the answer");
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      release();
      result.tryFail(cause instanceof io.netty.handler.timeout.ReadTimeoutException ? "no answer within the read timeout" : why(cause));
      ctx.close();
    }
  }
}
