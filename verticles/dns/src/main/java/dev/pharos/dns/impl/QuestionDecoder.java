package dev.pharos.dns.impl;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.dns.DefaultDnsRecordDecoder;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordDecoder;
import io.netty.handler.codec.dns.DnsRecordType;

/**
 * Netty's record decoder, with a question that keeps its name as read: Netty's
 * {@code DefaultDnsQuestion} runs {@code IDN.toASCII} on every query's name, where a name read
 * off the wire is already in its ASCII form.
 */
final class QuestionDecoder implements DnsRecordDecoder {

  static final QuestionDecoder INSTANCE = new QuestionDecoder();

  private record Question(String name, DnsRecordType type, int dnsClass) implements DnsQuestion {
    @Override
    public long timeToLive() {
      return 0;
    }
  }

  private QuestionDecoder() {
  }

  @Override
  public DnsQuestion decodeQuestion(ByteBuf in) {
    String name = DefaultDnsRecordDecoder.decodeName(in);
    DnsRecordType type = DnsRecordType.valueOf(in.readUnsignedShort());
    return new Question(name, type, in.readUnsignedShort());
  }

  @Override
  public <T extends DnsRecord> T decodeRecord(ByteBuf in) throws Exception {
    return DnsRecordDecoder.DEFAULT.decodeRecord(in);
  }
}
