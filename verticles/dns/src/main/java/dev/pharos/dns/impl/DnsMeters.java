package dev.pharos.dns.impl;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.HashMap;
import java.util.Map;

/**
 * The DNS server's series: {@code pharos_dns_queries_total} (proto, rcode), answers truncated
 * for UDP, messages dropped unanswered (reason), and TCP connections (outcome: accepted, refused
 * over the limit, closed idle). One per server instance, used on its event loop.
 */
public final class DnsMeters {

  private final MeterRegistry registry;
  private final Map<String, Counter> counters = new HashMap<>();
  /** The query counters by proto then rcode: the one series every query moves, found without building a key. */
  private final Map<String, Map<String, Counter>> queries = new HashMap<>();

  public DnsMeters(MeterRegistry registry) {
    this.registry = registry;
  }

  void answered(String proto, Responder.Outcome outcome) {
    Map<String, Counter> byRcode = queries.computeIfAbsent(proto, p -> new HashMap<>());
    Counter counter = byRcode.get(outcome.rcode());
    if (counter == null) {
      counter = counter("pharos.dns.queries", "queries answered, by rcode", "proto", proto, "rcode", outcome.rcode());
      byRcode.put(outcome.rcode(), counter);
    }
    counter.increment();
    if (outcome.truncated()) {
      counter("pharos.dns.truncated", "answers cut to the UDP size with TC set", "proto", proto, null, null).increment();
    }
  }

  void dropped(String proto, String reason) {
    counter("pharos.dns.dropped", "messages not answered: shorter than a header, or not a query", "proto", proto,
      "reason", reason).increment();
  }

  void tcp(String outcome) {
    counter("pharos.dns.tcp.connections", "TCP connections, by what became of them", "outcome", outcome, null, null).increment();
  }

  private Counter counter(String name, String description, String k1, String v1, String k2, String v2) {
    String key = name + '\0' + v1 + '\0' + v2;
    Counter counter = counters.get(key);
    if (counter == null) {
      Counter.Builder builder = Counter.builder(name).description(description).tag(k1, v1);
      if (k2 != null) {
        builder.tag(k2, v2);
      }
      counter = builder.register(registry);
      counters.put(key, counter);
    }
    return counter;
  }
}
