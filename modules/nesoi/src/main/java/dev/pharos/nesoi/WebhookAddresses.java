package dev.pharos.nesoi;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Where web-hooks may point. A hook is a request this node makes on a client's word, so it must
 * not reach what only this node can: link-local addresses (169.254.0.0/16 with the clouds'
 * metadata service, fe80::/10) are always refused; with {@code webhooks.denyPrivate}, RFC 1918 and
 * ULA (fc00::/7) addresses too; with {@code webhooks.allowedHosts} (names, addresses or CIDRs),
 * only those. Loopback stays allowed: local receivers and tests use it. Checked on the addresses a
 * name resolves to, at registration and again at delivery (a name can change what it resolves to).
 */
public final class WebhookAddresses {

  private record Cidr(byte[] network, int bits) {
    boolean contains(InetAddress address) {
      byte[] a = address.getAddress();
      if (a.length != network.length) {
        return false;
      }
      for (int i = 0; i < bits; i++) {
        int mask = 0x80 >> (i % 8);
        if ((a[i / 8] & mask) != (network[i / 8] & mask)) {
          return false;
        }
      }
      return true;
    }
  }

  /** A hook refused by these rules; the message names the host and the rule. */
  public static final class Refused extends Exception {
    public Refused(String message) {
      super(message);
    }
  }

  private static final Cidr ULA = cidr("fc00::/7");

  private final Set<String> allowedNames;
  private final List<Cidr> allowedNets;
  private final boolean denyPrivate;

  private WebhookAddresses(Set<String> allowedNames, List<Cidr> allowedNets, boolean denyPrivate) {
    this.allowedNames = allowedNames;
    this.allowedNets = allowedNets;
    this.denyPrivate = denyPrivate;
  }

  /**
   * @param webhooks the {@code webhooks} conf object (null: the defaults)
   * @throws IllegalArgumentException naming a malformed {@code allowedHosts} entry
   */
  public static WebhookAddresses from(JsonObject webhooks) {
    JsonObject conf = webhooks == null ? new JsonObject() : webhooks;
    JsonArray allowed = conf.getJsonArray("allowedHosts", new JsonArray());
    Set<String> names = new java.util.HashSet<>();
    List<Cidr> nets = new ArrayList<>();
    for (Object entry : allowed) {
      if (!(entry instanceof String s) || s.isBlank()) {
        throw new IllegalArgumentException("webhooks.allowedHosts: " + entry + " is not a host, an address or a CIDR");
      }
      String e = bare(s.trim());
      if (e.contains("/") || isLiteral(e)) {
        nets.add(cidr(e.contains("/") ? e : e + "/" + (e.contains(":") ? 128 : 32)));
      } else {
        names.add(e.toLowerCase(Locale.ROOT));
      }
    }
    return new WebhookAddresses(Set.copyOf(names), List.copyOf(nets), conf.getBoolean("denyPrivate", false));
  }

  private static Cidr cidr(String text) {
    int slash = text.indexOf('/');
    String address = bare(text.substring(0, slash));
    if (!isLiteral(address)) {
      throw new IllegalArgumentException("webhooks.allowedHosts: '" + text + "' is not a CIDR");
    }
    try {
      byte[] network = InetAddress.getByName(address).getAddress(); // a literal: no lookup
      int bits = Integer.parseInt(text.substring(slash + 1));
      if (bits < 0 || bits > network.length * 8) {
        throw new IllegalArgumentException("webhooks.allowedHosts: '" + text + "' has a bad prefix length");
      }
      return new Cidr(network, bits);
    } catch (UnknownHostException | NumberFormatException e) {
      throw new IllegalArgumentException("webhooks.allowedHosts: '" + text + "' is not a CIDR");
    }
  }

  private static boolean isLiteral(String host) {
    return host.matches("[0-9.]+") || host.contains(":");
  }

  private static String bare(String host) {
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }

  /** The host of a hook's endpoint URL, without IPv6 brackets. */
  public static String host(String endpoint) {
    return bare(URI.create(endpoint).getHost());
  }

  /** Why {@code host}, resolved to {@code address}, may not be called; null when it may. */
  public String refusal(String host, InetAddress address) {
    String shown = address.getHostAddress();
    String named = shown.equalsIgnoreCase(host) ? shown : host + " (" + shown + ")";
    if (address.isLinkLocalAddress()) {
      return named + " is a link-local address (169.254.0.0/16, fe80::/10), never allowed for web-hooks";
    }
    if (denyPrivate && (address.isSiteLocalAddress() || (address instanceof Inet6Address && ULA.contains(address)))) {
      return named + " is a private address (RFC 1918, fc00::/7), refused by webhooks.denyPrivate";
    }
    if ((!allowedNames.isEmpty() || !allowedNets.isEmpty()) && !allowedNames.contains(host.toLowerCase(Locale.ROOT))
      && allowedNets.stream().noneMatch(net -> net.contains(address))) {
      return named + " is not in webhooks.allowedHosts";
    }
    return null;
  }

  /**
   * The first address of {@code host} these rules allow (blocking: a DNS lookup).
   *
   * @throws Refused when none is allowed, naming why
   * @throws UnknownHostException when the name does not resolve
   */
  public InetAddress resolve(String host) throws Refused, UnknownHostException {
    String why = null;
    for (InetAddress address : InetAddress.getAllByName(host)) {
      String refusal = refusal(host, address);
      if (refusal == null) {
        return address;
      }
      why = why == null ? refusal : why;
    }
    throw new Refused(why);
  }

  /**
   * The registration check (blocking: a DNS lookup): every address the endpoint's host resolves
   * to now must be allowed. A name that does not resolve yet passes unless an allow-list leaves
   * it out by name; delivery checks it again.
   *
   * @throws Refused naming the host and the rule
   */
  public void check(String endpoint) throws Refused {
    String host = host(endpoint);
    InetAddress[] addresses;
    try {
      addresses = InetAddress.getAllByName(host);
    } catch (UnknownHostException e) {
      if (!allowedNets.isEmpty() || !allowedNames.isEmpty()) {
        if (!allowedNames.contains(host.toLowerCase(Locale.ROOT))) {
          throw new Refused(host + " does not resolve and is not named in webhooks.allowedHosts");
        }
      }
      return;
    }
    for (InetAddress address : addresses) {
      String refusal = refusal(host, address);
      if (refusal != null) {
        throw new Refused(refusal);
      }
    }
  }
}
