package dev.pharos.dns.impl;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.dns.DefaultDnsResponse;
import io.netty.handler.codec.dns.DnsQuery;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.TcpDnsQueryDecoder;
import io.netty.handler.codec.dns.TcpDnsResponseEncoder;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * The TCP side (RFC 7766): each message behind its two-byte length, checked as a UDP one is,
 * then Netty's {@link TcpDnsQueryDecoder} and {@link TcpDnsResponseEncoder}. Connections are
 * bounded per server instance and closed after {@code idleMs} without a query; a client that
 * does not read its answers stops being read until it does.
 */
final class TcpQueries {

  private static final Logger LOG = LoggerFactory.getLogger(TcpQueries.class);

  /** Open connections of one server instance; used on its event loop. */
  static final class Limits {
    final int max;
    final long idleMs;
    final java.util.Set<io.netty.channel.Channel> channels = new java.util.HashSet<>();
    int open;

    Limits(int max, long idleMs) {
      this.max = max;
      this.idleMs = idleMs;
    }
  }

  private TcpQueries() {
  }

  static void pipeline(ChannelPipeline pipeline, Responder responder, Limits limits, DnsMeters meters) {
    Frames frames = new Frames(meters);
    pipeline.addLast(new TcpDnsResponseEncoder(Records.ENCODER),
      new IdleStateHandler(0, 0, limits.idleMs, TimeUnit.MILLISECONDS),
      frames,
      new TcpDnsQueryDecoder(QuestionDecoder.INSTANCE, Responder.MAX_TCP),
      new Handler(responder, limits, meters, frames));
  }

  /**
   * Cuts the stream into messages (keeping their length prefix for Netty's decoder) and checks
   * each header; a refused one is answered here and goes no further.
   */
  static final class Frames extends LengthFieldBasedFrameDecoder {
    private final DnsMeters meters;
    /** The header of the message being decoded, for a FORMERR when Netty's decoder fails on it. */
    int id = -1;
    int flags;

    Frames(DnsMeters meters) {
      super(2 + Responder.MAX_TCP, 0, 2, 0, 0);
      this.meters = meters;
    }

    @Override
    protected Object decode(ChannelHandlerContext ctx, ByteBuf in) throws Exception {
      Object decoded = super.decode(ctx, in);
      if (!(decoded instanceof ByteBuf frame)) {
        return decoded;
      }
      ByteBuf message = frame.slice(frame.readerIndex() + 2, frame.readableBytes() - 2);
      QueryCheck.Rejection rejection = QueryCheck.check(message);
      if (rejection == null) {
        id = message.getUnsignedShort(message.readerIndex());
        flags = message.getUnsignedShort(message.readerIndex() + 2);
        return frame;
      }
      frame.release();
      if (rejection.id() < 0) {
        meters.dropped("tcp", rejection.reason());
      } else {
        reject(ctx, rejection);
      }
      return null;
    }

    void reject(ChannelHandlerContext ctx, QueryCheck.Rejection r) {
      LOG.debug("dns: {} from {}: {}", Responder.name(r.code()), ctx.channel().remoteAddress(), r.reason());
      DefaultDnsResponse response = new DefaultDnsResponse(r.id(), r.opCode(), r.code());
      response.setRecursionDesired(r.recursionDesired());
      meters.answered("tcp", new Responder.Outcome(Responder.name(r.code()), false));
      ctx.writeAndFlush(response, ctx.voidPromise());
    }
  }

  static final class Handler extends ChannelInboundHandlerAdapter {
    private final Responder responder;
    private final Limits limits;
    private final DnsMeters meters;
    private final Frames frames;
    private boolean counted;

    Handler(Responder responder, Limits limits, DnsMeters meters, Frames frames) {
      this.responder = responder;
      this.limits = limits;
      this.meters = meters;
      this.frames = frames;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      if (limits.open >= limits.max) {
        meters.tcp("refused");
        ctx.close();
        return;
      }
      limits.open++;
      limits.channels.add(ctx.channel());
      counted = true;
      meters.tcp("accepted");
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (counted) {
        counted = false;
        limits.open--;
        limits.channels.remove(ctx.channel());
      }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof DnsQuery query)) {
        io.netty.util.ReferenceCountUtil.release(msg);
        return;
      }
      try {
        DefaultDnsResponse response = new DefaultDnsResponse(query.id(), query.opCode());
        meters.answered("tcp", responder.respond(query, response, false));
        ctx.write(response, ctx.voidPromise());
      } finally {
        query.release();
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      ctx.flush();
      if (!ctx.channel().isWritable()) {
        ctx.channel().config().setAutoRead(false); // the client is not reading its answers
      }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (ctx.channel().isWritable()) {
        ctx.channel().config().setAutoRead(true);
      }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
      if (event instanceof IdleStateEvent) {
        meters.tcp("idle");
        ctx.close();
      } else {
        ctx.fireUserEventTriggered(event);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (cause instanceof DecoderException && frames.id >= 0 && ctx.channel().isActive()) {
        // Netty's decoder failed on a message whose header passed: FORMERR with its id, and read on
        frames.reject(ctx, new QueryCheck.Rejection(frames.id, io.netty.handler.codec.dns.DnsOpCode.valueOf(frames.flags >> 11 & 0xf),
          (frames.flags & 0x0100) != 0, DnsResponseCode.FORMERR, "malformed: " + cause.getCause()));
        frames.id = -1;
        return;
      }
      meters.dropped("tcp", "error");
      LOG.debug("dns: tcp {}: {}", ctx.channel().remoteAddress(), cause.toString());
      ctx.close().addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    }
  }
}
