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
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
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
 * A plain http check's request on a channel of Vert.x's own transport on the checker's event
 * loop: one GET with {@code Connection: close} written as bytes, the status line read (Netty's
 * HTTP decoder only when an {@code expect} text needs the body, up to {@link #MAX_BODY}), then a
 * reset (SO_LINGER 0) rather than a close, so neither side keeps a TIME_WAIT. Vert.x's
 * HttpClient around each such one-shot request cost the checker four times HAProxy's CPU per
 * check, Netty's whole client codec twice.
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
   * @param requestBytes the whole request ({@link #requestBytes})
   * @param expect       a text the body must contain, or null
   * @return succeeds with "http CODE" on a 2xx (with the text, when asked), fails with why not
   */
  Future<String> get(InetSocketAddress address, byte[] requestBytes, String expect, long connectTimeoutMs,
                     long readTimeoutMs) {
    Promise<String> result = context.promise();
    ByteBuf request = Unpooled.wrappedBuffer(requestBytes);
    Bootstrap bootstrap = new Bootstrap().group(context.nettyEventLoop()).channelFactory(channels)
      .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, Math.max(1, connectTimeoutMs)))
      .option(ChannelOption.SO_LINGER, 0)
      .handler(new ChannelInitializer<>() {
        @Override
        protected void initChannel(Channel channel) {
          channel.pipeline().addLast(new ReadTimeoutHandler(Math.max(1, readTimeoutMs), TimeUnit.MILLISECONDS));
          if (expect == null) {
            // the status line decides: no HTTP decoder for the rest
            channel.pipeline().addLast(new StatusLine(result));
          } else {
            channel.pipeline().addLast(new HttpResponseDecoder(), new Answer(expect, result));
          }
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

  private static final String[] STATUS = new String[600];

  static {
    for (int i = 0; i < STATUS.length; i++) {
      STATUS[i] = "http " + i;
    }
  }

  /** "http 200", made once. */
  static String passed(int status) {
    return status >= 0 && status < STATUS.length ? STATUS[status] : "http " + status;
  }

  static String failed(int status) {
    return passed(status);
  }

  /** The request as bytes: one GET, Connection: close, the check's headers after Host. */
  static byte[] requestBytes(String hostHeader, String uri, Map<String, String> headers) {
    StringBuilder request = new StringBuilder(64).append("GET ").append(uri).append(" HTTP/1.1\r\n");
    boolean ownHost = headers.keySet().stream().anyMatch(name -> name.equalsIgnoreCase("host"));
    if (!ownHost) {
      request.append("Host: ").append(hostHeader).append("\r\n");
    }
    headers.forEach((name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
    return request.append("Connection: close\r\n\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  /** Reads "HTTP/1.x NNN" and decides on NNN alone: a check without expect needs no more of the answer. */
  private static final class StatusLine extends ChannelInboundHandlerAdapter {
    private static final int LENGTH = 12;
    private final Promise<String> result;
    private final byte[] line = new byte[LENGTH];
    private int read;

    StatusLine(Promise<String> result) {
      this.result = result;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object message) {
      ByteBuf bytes = (ByteBuf) message;
      try {
        int n = Math.min(bytes.readableBytes(), LENGTH - read);
        bytes.readBytes(line, read, n);
        read += n;
      } finally {
        bytes.release();
      }
      if (read < LENGTH) {
        return;
      }
      String text = new String(line, StandardCharsets.ISO_8859_1);
      int status = text.startsWith("HTTP/1.") && text.charAt(8) == ' ' ? parseStatus(text.substring(9, 12)) : -1;
      if (status < 0) {
        result.tryFail("not an HTTP answer: " + text.strip());
      } else if (status >= 200 && status < 300) {
        result.tryComplete(passed(status));
      } else {
        result.tryFail(failed(status));
      }
      ctx.close();
    }

    private static int parseStatus(String digits) {
      try {
        return Integer.parseInt(digits);
      } catch (NumberFormatException e) {
        return -1;
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      result.tryFail("connection closed before an answer");
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      result.tryFail(cause instanceof io.netty.handler.timeout.ReadTimeoutException ? "no answer within the read timeout" : why(cause));
      ctx.close();
    }
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
