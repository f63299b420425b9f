package dev.pharos.dns.impl;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsQueryDecoder;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DatagramDnsResponseEncoder;
import io.netty.handler.codec.dns.DnsResponseCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * The UDP side: Netty's {@link DatagramDnsQueryDecoder} behind the header check, the
 * {@link Responder}, and {@link DatagramDnsResponseEncoder}. Answers are written as they are
 * made and flushed once per read batch.
 */
final class UdpQueries {

  private static final Logger LOG = LoggerFactory.getLogger(UdpQueries.class);

  private UdpQueries() {
  }

  /** A packet refused before or while decoding, with where to answer. */
  record Rejected(InetSocketAddress sender, InetSocketAddress recipient, QueryCheck.Rejection rejection) {
  }

  /** Netty's decoder, after the header check, turning a failure into a {@link Rejected}. */
  static final class Decoder extends DatagramDnsQueryDecoder {
    Decoder() {
      super(QuestionDecoder.INSTANCE);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, DatagramPacket packet, List<Object> out) throws Exception {
      ByteBuf content = packet.content();
      int at = content.readerIndex();
      QueryCheck.Rejection rejection = QueryCheck.check(content);
      if (rejection == null) {
        try {
          super.decode(ctx, packet, out);
          return;
        } catch (Exception e) {
          rejection = QueryCheck.malformed(content, at, e);
        }
      }
      out.add(new Rejected(packet.sender(), packet.recipient(), rejection));
    }
  }

  static void pipeline(io.netty.channel.ChannelPipeline pipeline, Responder responder, SourceLimiter limiter, DnsMeters meters) {
    pipeline.addLast(new DatagramDnsResponseEncoder(Records.ENCODER), new Decoder(), new Handler(responder, limiter, meters));
  }

  static final class Handler extends ChannelInboundHandlerAdapter {
    private final Responder responder;
    private final SourceLimiter limiter;
    private final DnsMeters meters;

    Handler(Responder responder, SourceLimiter limiter, DnsMeters meters) {
      this.responder = responder;
      this.limiter = limiter;
      this.meters = meters;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof DatagramDnsQuery query) {
        try {
          DatagramDnsResponse response = new DatagramDnsResponse(query.recipient(), query.sender(), query.id(), query.opCode());
          if (limiter.allow(query.sender().getAddress(), System.currentTimeMillis())) {
            meters.answered("udp", responder.respond(query, response, true));
          } else {
            response.setCode(DnsResponseCode.REFUSED).setRecursionDesired(query.isRecursionDesired());
            meters.answered("udp", new Responder.Outcome("REFUSED", false));
          }
          ctx.write(response, ctx.voidPromise());
        } finally {
          query.release();
        }
      } else if (msg instanceof Rejected rejected) {
        QueryCheck.Rejection r = rejected.rejection();
        if (r.id() < 0) {
          meters.dropped("udp", r.reason());
          return;
        }
        LOG.debug("dns: {} from {}: {}", Responder.name(r.code()), rejected.sender(), r.reason());
        DatagramDnsResponse response = new DatagramDnsResponse(rejected.recipient(), rejected.sender(), r.id(), r.opCode(), r.code());
        response.setRecursionDesired(r.recursionDesired());
        meters.answered("udp", new Responder.Outcome(Responder.name(r.code()), false));
        ctx.write(response, ctx.voidPromise());
      } else {
        io.netty.util.ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      ctx.flush();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      // one packet's trouble (an answer that could not be sent): the socket serves on
      meters.dropped("udp", "error");
      LOG.debug("dns: udp: {}", cause.toString());
    }
  }
}
