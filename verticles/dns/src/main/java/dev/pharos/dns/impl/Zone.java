package dev.pharos.dns.impl;

import dev.pharos.catalog.CatalogEndpoint;
import dev.pharos.catalog.ConsumerCatalog;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The names Pharos serves under its domain, answered from the consumer catalog:
 * <pre>
 *   &lt;app&gt;.&lt;env&gt;.&lt;domain&gt;          A, AAAA: the endpoints' addresses; SRV: port, weight, a target below
 *   &lt;tag&gt;.&lt;app&gt;.&lt;env&gt;.&lt;domain&gt;    the same, only endpoints with that tag
 *   &lt;hex&gt;.addr.&lt;domain&gt;          A or AAAA of the address in hex (Consul's form), the SRV targets
 * </pre>
 * One instance per server instance: used on its event loop only.
 */
public final class Zone {

  static final String ADDR = "addr";

  private final ConsumerCatalog catalog;
  private final String domain;
  private final long ttl;
  private final long serial = System.currentTimeMillis() / 1000;
  private final java.util.function.BooleanSupplier complete;
  private int turn;

  /**
   * @param complete false while a store has not been read once: a name without endpoints may
   *                 yet have some, so it is SERVFAIL (a resolver asks again) rather than a
   *                 NXDOMAIN it would cache; names with endpoints are answered meanwhile
   */
  public Zone(ConsumerCatalog catalog, String domain, long ttl, java.util.function.BooleanSupplier complete) {
    this.catalog = catalog;
    this.complete = complete;
    this.domain = domain;
    this.ttl = ttl;
  }

  public String domain() {
    return domain;
  }

  /** True when {@code name} is the domain or below it (DNS names compare without case). */
  boolean contains(String name) {
    int at = name.length() - domain.length();
    return at >= 0 && name.regionMatches(true, at, domain, 0, domain.length()) && (at == 0 || name.charAt(at - 1) == '.');
  }

  /** Fills {@code reply} for a question of {@code type} about {@code name}, a name {@link #contains}. */
  void answer(String name, DnsRecordType type, Reply reply) {
    String relative = name.length() == domain.length() ? "" : name.substring(0, name.length() - domain.length() - 1);
    String[] labels = relative.isEmpty() ? new String[0] : relative.split("\\.", -1);
    switch (labels.length) {
      case 0 -> {
        if (type == DnsRecordType.SOA) {
          reply.answers.add(soa());
        } else {
          noData(reply);
        }
      }
      case 1 -> {
        if (labels[0].equalsIgnoreCase(ADDR) || catalog.hasEnv(labels[0]) || catalog.hasEnv(labels[0].toLowerCase(Locale.ROOT))) {
          noData(reply); // an empty non-terminal: names exist below it (RFC 8020)
        } else {
          noSuchName(reply);
        }
      }
      case 2 -> {
        byte[] address = labels[1].equalsIgnoreCase(ADDR) ? Records.addressOf(labels[0]) : null;
        if (address != null) {
          if (type == DnsRecordType.ANY || (type == DnsRecordType.A) == (address.length == 4) && isAddressType(type)) {
            reply.answers.add(Records.address(Records.QUESTION, ttl, address));
          } else {
            noData(reply);
          }
        } else {
          service(labels[0], labels[1], null, type, reply);
        }
      }
      case 3 -> service(labels[1], labels[2], labels[0], type, reply);
      default -> noSuchName(reply);
    }
  }

  private static boolean isAddressType(DnsRecordType type) {
    return type == DnsRecordType.A || type == DnsRecordType.AAAA;
  }

  private void service(String app, String env, String tag, DnsRecordType type, Reply reply) {
    List<CatalogEndpoint> endpoints = endpoints(app, env, tag);
    if (endpoints.isEmpty()) {
      String lowerApp = app.toLowerCase(Locale.ROOT);
      String lowerEnv = env.toLowerCase(Locale.ROOT);
      String lowerTag = tag == null ? null : tag.toLowerCase(Locale.ROOT);
      // resolvers may randomize a name's case (draft-vixie-dnsext-dns0x20); the stores' names are case-sensitive
      if (!lowerApp.equals(app) || !lowerEnv.equals(env) || (tag != null && !lowerTag.equals(tag))) {
        endpoints = endpoints(lowerApp, lowerEnv, lowerTag);
      }
    }
    if (endpoints.isEmpty()) {
      noSuchName(reply);
      return;
    }
    List<CatalogEndpoint> serving = serving(endpoints);
    int start = serving.isEmpty() ? 0 : Math.floorMod(turn++, serving.size());
    if (type == DnsRecordType.SRV) {
      srv(serving, start, reply);
    } else if (type == DnsRecordType.A || type == DnsRecordType.AAAA || type == DnsRecordType.ANY) {
      addresses(primaries(serving), start, type, reply);
    }
    if (reply.answers.isEmpty()) {
      noData(reply);
    }
  }

  private List<CatalogEndpoint> endpoints(String app, String env, String tag) {
    return catalog.endpoints(app, env, tag == null ? Set.of() : Set.of(tag));
  }

  /** Endpoints that take traffic: Nerve's weight 0 takes none, as in HAProxy. */
  private static List<CatalogEndpoint> serving(List<CatalogEndpoint> endpoints) {
    for (CatalogEndpoint e : endpoints) {
      if (e.weight() == 0) {
        return endpoints.stream().filter(x -> x.weight() > 0).toList();
      }
    }
    return endpoints;
  }

  /**
   * What an A answer holds: A has no priority, so backups are left out while any other endpoint
   * serves (Synapse's rule), and given when only backups are left.
   */
  private static List<CatalogEndpoint> primaries(List<CatalogEndpoint> endpoints) {
    for (CatalogEndpoint e : endpoints) {
      if (e.backup()) {
        List<CatalogEndpoint> primaries = endpoints.stream().filter(x -> !x.backup()).toList();
        return primaries.isEmpty() ? endpoints : primaries;
      }
    }
    return endpoints;
  }

  private void addresses(List<CatalogEndpoint> endpoints, int start, DnsRecordType type, Reply reply) {
    int n = endpoints.size();
    Set<String> seen = n > 1 ? new HashSet<>() : null;
    for (int i = 0; i < n; i++) {
      CatalogEndpoint e = endpoints.get((start + i) % n);
      byte[] address = Records.literal(e.host());
      if (address == null || (type == DnsRecordType.A && address.length != 4) || (type == DnsRecordType.AAAA && address.length != 16)) {
        continue; // a host name has no address here; an SRV answer names it
      }
      if (seen == null || seen.add(e.host())) {
        reply.answers.add(Records.address(Records.QUESTION, ttl, address));
      }
    }
  }

  /**
   * RFC 2782's SRV: priority 1, and 2 for Nerve's backup endpoints, which RFC 2782 clients use
   * only when every priority-1 target fails, Synapse's backup rule; Nerve's weight as the weight.
   * The target of an address is its {@code <hex>.addr.<domain>} name, whose A or AAAA record goes in
   * the additional section; a host name is its own target.
   */
  private void srv(List<CatalogEndpoint> endpoints, int start, Reply reply) {
    int n = endpoints.size();
    Set<String> targets = new HashSet<>();
    List<Rr> extra = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      CatalogEndpoint e = endpoints.get((start + i) % n);
      byte[] address = Records.literal(e.host());
      String target = address != null ? Records.addressName(address, domain) : e.host().endsWith(".") ? e.host() : e.host() + ".";
      if (!Records.wellFormed(target)) {
        continue;
      }
      reply.answers.add(Records.srv(Records.QUESTION, ttl, e.backup() ? 2 : 1, e.weight(), e.port(), target));
      if (address != null && targets.add(target)) {
        extra.add(Records.address(target, ttl, address));
      }
    }
    reply.additional.addAll(extra);
  }

  private void noData(Reply reply) {
    if (!complete.getAsBoolean()) {
      reply.rcode = DnsResponseCode.SERVFAIL;
      return;
    }
    reply.rcode = DnsResponseCode.NOERROR;
    reply.authority.add(soa());
  }

  private void noSuchName(Reply reply) {
    if (!complete.getAsBoolean()) {
      reply.rcode = DnsResponseCode.SERVFAIL;
      return;
    }
    reply.rcode = DnsResponseCode.NXDOMAIN;
    reply.authority.add(soa());
  }

  private Rr soa() {
    return Records.soa(domain, ttl, serial);
  }
}
