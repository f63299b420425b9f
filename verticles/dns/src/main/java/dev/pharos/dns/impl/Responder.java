package dev.pharos.dns.impl;

import io.netty.handler.codec.dns.DnsOpCode;
import io.netty.handler.codec.dns.DnsQuery;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;

/**
 * Answers one decoded query: the checks a query must pass (opcode, one question, EDNS0, class,
 * the name's length, the domain), then the zone's answer fitted into the size the transport
 * and the client allow.
 */
public final class Responder {

  /** The most a UDP answer is given, whatever larger size a client's EDNS0 asks for. */
  static final int MAX_UDP = 4096;
  static final int PLAIN_UDP = 512;
  static final int MAX_TCP = 65535;
  /** The UDP payload this server says it takes: the DNS flag day 2020 size, which avoids fragments. */
  static final int ADVERTISED_UDP = 1232;

  private final Zone zone;

  public Responder(Zone zone) {
    this.zone = zone;
  }

  /** What was answered, for the metrics: the rcode's name, and whether it was truncated. */
  public record Outcome(String rcode, boolean truncated) {
  }

  /** Fills {@code response} (already carrying the query's id and opcode) for {@code query}. */
  public Outcome respond(DnsQuery query, DnsResponse response, boolean udp) {
    response.setAuthoritativeAnswer(true);
    response.setRecursionDesired(query.isRecursionDesired());
    int questions = query.count(DnsSection.QUESTION);
    if (questions > 0) {
      DnsQuestion q = query.recordAt(DnsSection.QUESTION, 0);
      response.addRecord(DnsSection.QUESTION, q);
    }
    if (!query.opCode().equals(DnsOpCode.QUERY)) {
      return fail(response, DnsResponseCode.NOTIMP);
    }
    if (questions != 1) {
      return fail(response, DnsResponseCode.FORMERR);
    }
    DnsRecord opt = null;
    for (int i = 0, n = query.count(DnsSection.ADDITIONAL); i < n; i++) {
      DnsRecord r = query.recordAt(DnsSection.ADDITIONAL, i);
      if (r.type() == DnsRecordType.OPT) {
        if (opt != null) {
          return fail(response, DnsResponseCode.FORMERR); // RFC 6891 6.1.1: at most one OPT
        }
        opt = r;
      }
    }
    int used = Records.HEADER;
    if (opt != null) {
      used += Records.OPT;
      if ((opt.timeToLive() >> 16 & 0xff) != 0) {
        // an EDNS version this server does not speak: BADVERS, the upper bits of rcode 16 in OPT
        response.addRecord(DnsSection.ADDITIONAL, Records.opt(ADVERTISED_UDP, 1));
        response.setCode(DnsResponseCode.NOERROR);
        return new Outcome("BADVERS", false);
      }
    }
    int limit = !udp ? MAX_TCP : opt == null ? PLAIN_UDP : Math.max(PLAIN_UDP, Math.min(MAX_UDP, opt.dnsClass() & 0xffff));
    DnsQuestion q = query.recordAt(DnsSection.QUESTION);
    String name = q.name();
    used += Records.nameLength(name) + 4;
    Reply reply = new Reply();
    if (!Records.wellFormed(name)) {
      reply.rcode = DnsResponseCode.FORMERR;
    } else if ((q.dnsClass() & 0xffff) != DnsRecord.CLASS_IN && (q.dnsClass() & 0xffff) != DnsRecord.CLASS_ANY) {
      reply.rcode = DnsResponseCode.REFUSED;
    } else if (!zone.contains(name)) {
      reply.rcode = DnsResponseCode.REFUSED; // not an open resolver
    } else {
      zone.answer(name, q.type(), reply);
    }
    boolean truncated = reply.writeTo(response, used, limit);
    if (opt != null) {
      response.addRecord(DnsSection.ADDITIONAL, Records.opt(ADVERTISED_UDP, 0));
    }
    return new Outcome(name(reply.rcode), truncated);
  }

  private static Outcome fail(DnsResponse response, DnsResponseCode code) {
    response.setCode(code);
    return new Outcome(name(code), false);
  }

  /** The rcode's mnemonic, as dig prints it. */
  public static String name(DnsResponseCode code) {
    return switch (code.intValue()) {
      case 0 -> "NOERROR";
      case 1 -> "FORMERR";
      case 2 -> "SERVFAIL";
      case 3 -> "NXDOMAIN";
      case 4 -> "NOTIMP";
      case 5 -> "REFUSED";
      default -> "RCODE" + code.intValue();
    };
  }
}
