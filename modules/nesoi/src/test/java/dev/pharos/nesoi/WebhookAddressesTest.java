package dev.pharos.nesoi;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which addresses a web-hook may reach, by conf. */
class WebhookAddressesTest {

  private static String refusal(WebhookAddresses rules, String host, String address) throws Exception {
    return rules.refusal(host, InetAddress.getByName(address));
  }

  @Test
  void byDefaultLinkLocalIsRefusedAndLoopbackAndPrivateAreAllowed() throws Exception {
    WebhookAddresses rules = WebhookAddresses.from(null);
    assertTrue(refusal(rules, "169.254.169.254", "169.254.169.254").contains("link-local"));
    assertTrue(refusal(rules, "metadata.example", "169.254.169.254").contains("metadata.example (169.254.169.254)"));
    assertNotNull(refusal(rules, "::ffff:169.254.169.254", "::ffff:169.254.169.254"), "IPv4-mapped");
    assertNotNull(refusal(rules, "fe80::1", "fe80::1"));
    assertNotNull(refusal(rules, "febf::1", "febf::1"), "fe80::/10 ends at febf");
    assertNull(refusal(rules, "127.0.0.1", "127.0.0.1"));
    assertNull(refusal(rules, "::1", "::1"));
    assertNull(refusal(rules, "10.0.0.1", "10.0.0.1"));
    assertNull(refusal(rules, "fd00::1", "fd00::1"));
    assertThrows(WebhookAddresses.Refused.class, () -> rules.check("http://169.254.169.254/latest/meta-data/"));
    assertThrows(WebhookAddresses.Refused.class, () -> rules.check("http://[fe80::1]:8080/"));
    rules.check("http://localhost:4322/web-hooks");
    rules.check("http://no-such-host.invalid/"); // not resolvable yet: delivery checks it again
  }

  @Test
  void denyPrivateRefusesRfc1918AndUla() throws Exception {
    WebhookAddresses rules = WebhookAddresses.from(new JsonObject().put("denyPrivate", true));
    for (String address : new String[] {"10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "fc00::1", "fdff::1"}) {
      assertTrue(refusal(rules, address, address).contains("webhooks.denyPrivate"), address);
    }
    assertNull(refusal(rules, "172.32.0.1", "172.32.0.1"));
    assertNull(refusal(rules, "127.0.0.1", "127.0.0.1"), "loopback stays allowed");
    assertNull(refusal(rules, "8.8.8.8", "8.8.8.8"));
  }

  @Test
  void anAllowListAdmitsOnlyItsNamesAddressesAndNetworks() throws Exception {
    WebhookAddresses rules = WebhookAddresses.from(new JsonObject().put("allowedHosts",
      new JsonArray().add("hooks.example.com").add("10.2.0.0/16").add("192.0.2.7").add("[2001:db8::]/32")));
    assertNull(refusal(rules, "HOOKS.example.com", "203.0.113.5"), "by name, whatever it resolves to");
    assertNull(refusal(rules, "other.example", "10.2.200.1"), "by network");
    assertNull(refusal(rules, "192.0.2.7", "192.0.2.7"));
    assertNull(refusal(rules, "2001:db8::5", "2001:db8::5"));
    assertTrue(refusal(rules, "10.3.0.1", "10.3.0.1").contains("webhooks.allowedHosts"));
    assertTrue(refusal(rules, "127.0.0.1", "127.0.0.1").contains("webhooks.allowedHosts"), "when set, only those");
    assertTrue(refusal(rules, "hooks.example.com", "169.254.169.254").contains("link-local"), "never link-local");
    assertThrows(WebhookAddresses.Refused.class, () -> rules.check("http://no-such-host.invalid/"));
    assertEquals(InetAddress.getByName("10.2.0.9"), rules.resolve("10.2.0.9"));
    assertThrows(WebhookAddresses.Refused.class, () -> rules.resolve("10.9.0.9"));
  }

  @Test
  void aMalformedEntryIsNamed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
      () -> WebhookAddresses.from(new JsonObject().put("allowedHosts", new JsonArray().add("10.0.0.0/40"))));
    assertTrue(e.getMessage().contains("10.0.0.0/40"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> WebhookAddresses.from(new JsonObject().put("allowedHosts", new JsonArray().add(7))));
  }
}
