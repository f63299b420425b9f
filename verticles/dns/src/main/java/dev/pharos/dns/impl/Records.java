package dev.pharos.dns.impl;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.dns.DefaultDnsRecordEncoder;
import io.netty.handler.codec.dns.DnsRecordEncoder;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.util.NetUtil;

import java.nio.charset.StandardCharsets;

/** The records Pharos answers with, in wire form, and their sizes on the wire. */
public final class Records {

  /**
   * Owner name of the records that answer the question itself: written as a pointer to the
   * question's name (offset 12), as every authoritative server compresses them, so an answer
   * of 100 addresses takes 16 bytes a record instead of the name again. Compared by identity.
   */
  @SuppressWarnings("StringOperationCanBeSimplified")
  static final String QUESTION = new String("<question>");

  /** Netty's record encoder, with {@link #QUESTION} written as a pointer. */
  public static final DnsRecordEncoder ENCODER = new DefaultDnsRecordEncoder() {
    @Override
    protected void encodeName(String name, ByteBuf buf) throws Exception {
      if (name == QUESTION) {
        buf.writeShort(0xC000 | 12);
      } else {
        super.encodeName(name, buf);
      }
    }
  };

  /** The header of a message: id, flags and four counts. */
  static final int HEADER = 12;
  /** An OPT record with no options: root name, type, class, TTL, RDLENGTH. */
  static final int OPT = 11;
  static final int MAX_NAME = 255;
  static final int MAX_LABEL = 63;

  private Records() {
  }

  /** The length of {@code name} (absolute, with its final dot) on the wire, uncompressed. */
  static int nameLength(String name) {
    if (name == QUESTION) {
      return 2;
    }
    if (name.equals(".")) {
      return 1;
    }
    int bytes = 0;
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isSurrogate(c) ? 2 : 3;
    }
    return (name.endsWith(".") ? bytes : bytes + 1) + 1;
  }

  /** True when every label of {@code name} fits in 63 bytes and the whole in 255. */
  static boolean wellFormed(String name) {
    if (nameLength(name) > MAX_NAME) {
      return false;
    }
    int start = 0;
    for (int i = 0; i <= name.length(); i++) {
      if (i == name.length() || name.charAt(i) == '.') {
        if (i - start > MAX_LABEL) {
          return false;
        }
        start = i + 1;
      }
    }
    return true;
  }

  /** The record's size on the wire. */
  static int size(Rr record) {
    return nameLength(record.name()) + 10 + record.content().readableBytes();
  }

  static Rr address(String owner, long ttl, byte[] address) {
    return new Rr(owner, address.length == 4 ? DnsRecordType.A : DnsRecordType.AAAA, ttl, address);
  }

  /** RFC 2782's SRV; the target is never compressed (RFC 3597 section 4). */
  static Rr srv(String owner, long ttl, int priority, int weight, int port, String target) {
    ByteBuf rdata = Unpooled.buffer(6 + nameLength(target));
    rdata.writeShort(priority).writeShort(weight).writeShort(port);
    writeName(target, rdata);
    return new Rr(owner, DnsRecordType.SRV, io.netty.handler.codec.dns.DnsRecord.CLASS_IN, ttl, rdata);
  }

  /** The zone's SOA: its MINIMUM (the negative-caching TTL, RFC 2308) is the zone's TTL too. */
  static Rr soa(String domain, long ttl, long serial) {
    String mname = "ns." + domain;
    String rname = "hostmaster." + domain;
    ByteBuf rdata = Unpooled.buffer(nameLength(mname) + nameLength(rname) + 20);
    writeName(mname, rdata);
    writeName(rname, rdata);
    rdata.writeInt((int) serial).writeInt(3600).writeInt(600).writeInt(86400).writeInt((int) ttl);
    return new Rr(domain, DnsRecordType.SOA, io.netty.handler.codec.dns.DnsRecord.CLASS_IN, ttl, rdata);
  }

  /** EDNS0's OPT (RFC 6891): the UDP payload this server takes, and the upper bits of the rcode. */
  static Rr opt(int udpPayload, int extendedRcode) {
    return new Rr(".", DnsRecordType.OPT, udpPayload, (long) extendedRcode << 24, Unpooled.EMPTY_BUFFER);
  }

  static void writeName(String name, ByteBuf out) {
    int start = 0;
    for (int i = 0; i < name.length(); i++) {
      if (name.charAt(i) == '.') {
        if (i > start) {
          byte[] label = name.substring(start, i).getBytes(StandardCharsets.UTF_8);
          out.writeByte(label.length).writeBytes(label);
        }
        start = i + 1;
      }
    }
    if (start < name.length()) {
      byte[] label = name.substring(start).getBytes(StandardCharsets.UTF_8);
      out.writeByte(label.length).writeBytes(label);
    }
    out.writeByte(0);
  }

  /** The 4 or 16 bytes of an address literal, or null for a host name. */
  static byte[] literal(String host) {
    return NetUtil.createByteArrayFromIpAddressString(host);
  }

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  /** Consul's name for an address: its bytes in hex under {@code addr.} ({@code 7f000001.addr.pharos.}). */
  static String addressName(byte[] address, String domain) {
    StringBuilder name = new StringBuilder(address.length * 2 + 6 + domain.length());
    for (byte b : address) {
      name.append(HEX[(b >> 4) & 0xf]).append(HEX[b & 0xf]);
    }
    return name.append(".addr.").append(domain).toString();
  }

  /** The address a label of {@link #addressName} stands for, or null when it is not 8 or 32 hex digits. */
  static byte[] addressOf(String label) {
    if (label.length() != 8 && label.length() != 32) {
      return null;
    }
    byte[] address = new byte[label.length() / 2];
    for (int i = 0; i < address.length; i++) {
      int high = Character.digit(label.charAt(2 * i), 16);
      int low = Character.digit(label.charAt(2 * i + 1), 16);
      if (high < 0 || low < 0) {
        return null;
      }
      address[i] = (byte) (high << 4 | low);
    }
    return address;
  }
}
