package dev.pharos.dns.impl;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;

/**
 * A resource record of an answer, its RDATA already in wire form. Netty's
 * {@code DefaultDnsRawRecord} runs {@code IDN.toASCII} on its name for every record; the names
 * here are built from the question or from ASCII, so that work is skipped on the hot path.
 * {@link Records#QUESTION} as the name stands for the question's name (a pointer on the wire).
 */
final class Rr extends DefaultByteBufHolder implements DnsRawRecord {

  private final String name;
  private final DnsRecordType type;
  private final int dnsClass;
  private final long ttl;

  Rr(String name, DnsRecordType type, int dnsClass, long ttl, ByteBuf rdata) {
    super(rdata);
    this.name = name;
    this.type = type;
    this.dnsClass = dnsClass;
    this.ttl = ttl;
  }

  Rr(String name, DnsRecordType type, long ttl, byte[] rdata) {
    this(name, type, DnsRecord.CLASS_IN, ttl, Unpooled.wrappedBuffer(rdata));
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public DnsRecordType type() {
    return type;
  }

  @Override
  public int dnsClass() {
    return dnsClass;
  }

  @Override
  public long timeToLive() {
    return ttl;
  }

  @Override
  public DnsRawRecord copy() {
    return replace(content().copy());
  }

  @Override
  public DnsRawRecord duplicate() {
    return replace(content().duplicate());
  }

  @Override
  public DnsRawRecord retainedDuplicate() {
    return replace(content().retainedDuplicate());
  }

  @Override
  public DnsRawRecord replace(ByteBuf content) {
    return new Rr(name, type, dnsClass, ttl, content);
  }

  @Override
  public DnsRawRecord retain() {
    super.retain();
    return this;
  }

  @Override
  public DnsRawRecord retain(int increment) {
    super.retain(increment);
    return this;
  }

  @Override
  public DnsRawRecord touch() {
    super.touch();
    return this;
  }

  @Override
  public DnsRawRecord touch(Object hint) {
    super.touch(hint);
    return this;
  }

  @Override
  public String toString() {
    return name + " " + type.name() + " " + ttl;
  }
}
