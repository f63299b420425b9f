package dev.pharos.dns.impl;

import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;

import java.util.ArrayList;
import java.util.List;

/** An answer's records before they are fitted into a message of the size the transport allows. */
final class Reply {

  DnsResponseCode rcode = DnsResponseCode.NOERROR;
  final List<Rr> answers = new ArrayList<>();
  final List<Rr> authority = new ArrayList<>(1);
  final List<Rr> additional = new ArrayList<>();

  /**
   * Adds to {@code response} what fits in {@code limit} bytes, {@code used} being taken already
   * (header, question, OPT). An answer record that does not fit sets TC, so the client asks again
   * over TCP (RFC 1035 4.2.1, RFC 2181 9); additional records that do not fit are left out
   * without it. What is not sent is released.
   *
   * @return true when it was truncated
   */
  boolean writeTo(DnsResponse response, int used, int limit) {
    boolean truncated = false;
    for (Rr record : answers) {
      int size = truncated ? 0 : Records.size(record);
      if (!truncated && used + size <= limit) {
        response.addRecord(DnsSection.ANSWER, record);
        used += size;
      } else {
        truncated = true;
        record.release();
      }
    }
    used = add(response, DnsSection.AUTHORITY, authority, used, limit, truncated);
    add(response, DnsSection.ADDITIONAL, additional, used, limit, truncated);
    response.setCode(rcode);
    response.setTruncated(truncated);
    return truncated;
  }

  private static int add(DnsResponse response, DnsSection section, List<Rr> records, int used, int limit, boolean truncated) {
    for (Rr record : records) {
      int size = Records.size(record);
      if (!truncated && used + size <= limit) {
        response.addRecord(section, record);
        used += size;
      } else {
        record.release(); // a truncated answer is asked again over TCP: its extras would be wasted bytes
      }
    }
    return used;
  }

  /** Releases every record (a reply that is not sent). */
  void release() {
    answers.forEach(Rr::release);
    authority.forEach(Rr::release);
    additional.forEach(Rr::release);
  }
}
