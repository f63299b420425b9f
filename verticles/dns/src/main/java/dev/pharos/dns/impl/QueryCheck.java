package dev.pharos.dns.impl;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.dns.DnsOpCode;
import io.netty.handler.codec.dns.DnsResponseCode;

/**
 * What a message's 12-byte header says before Netty decodes the rest: work per packet stays
 * bounded (a QDCOUNT of 65535 is refused, not decoded), a message that is not a query is never
 * answered (two servers would answer each other's answers), and what cannot be decoded still
 * gets an answer with its id.
 */
final class QueryCheck {

  /**
   * A message refused before or while decoding.
   *
   * @param id     its id, or -1 when nothing is answered (too short for a header, or not a query)
   * @param reason for the log and the dropped counter
   */
  record Rejection(int id, DnsOpCode opCode, boolean recursionDesired, DnsResponseCode code, String reason) {
  }

  /** Additional records a query may carry: OPT and a TSIG. */
  static final int MAX_ADDITIONAL = 2;

  private QueryCheck() {
  }

  /** @return null when the header is a query's Netty may decode; else what to answer */
  static Rejection check(ByteBuf message) {
    int at = message.readerIndex();
    if (message.readableBytes() < Records.HEADER) {
      return new Rejection(-1, DnsOpCode.QUERY, false, DnsResponseCode.FORMERR, "short");
    }
    int flags = message.getUnsignedShort(at + 2);
    if ((flags & 0x8000) != 0) {
      return new Rejection(-1, DnsOpCode.QUERY, false, DnsResponseCode.FORMERR, "response");
    }
    int id = message.getUnsignedShort(at);
    DnsOpCode opCode = DnsOpCode.valueOf(flags >> 11 & 0xf);
    boolean rd = (flags & 0x0100) != 0;
    if (!opCode.equals(DnsOpCode.QUERY)) {
      return new Rejection(id, opCode, rd, DnsResponseCode.NOTIMP, "opcode " + opCode.byteValue());
    }
    int questions = message.getUnsignedShort(at + 4);
    if (questions != 1) {
      // RFC 9619: a query has one question
      return new Rejection(id, opCode, rd, DnsResponseCode.FORMERR, questions + " questions");
    }
    if (message.getUnsignedShort(at + 6) != 0 || message.getUnsignedShort(at + 8) != 0
      || message.getUnsignedShort(at + 10) > MAX_ADDITIONAL) {
      return new Rejection(id, opCode, rd, DnsResponseCode.FORMERR, "records a query does not carry");
    }
    return null;
  }

  /** A message whose header passed but whose body Netty could not decode (a bad name, cut short). */
  static Rejection malformed(ByteBuf message, int at, Throwable cause) {
    int flags = message.getUnsignedShort(at + 2);
    return new Rejection(message.getUnsignedShort(at), DnsOpCode.valueOf(flags >> 11 & 0xf), (flags & 0x0100) != 0,
      DnsResponseCode.FORMERR, "malformed: " + cause.getClass().getSimpleName());
  }
}
