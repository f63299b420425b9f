package dev.pharos.dns.impl;

import dev.pharos.catalog.CatalogEndpoint;
import dev.pharos.catalog.ConsumerCatalog;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The zone's answers without a socket. */
class ZoneTest {

  private final ConsumerCatalog catalog = ConsumerCatalog.detached();

  private Reply ask(Zone zone, String name, DnsRecordType type) {
    Reply reply = new Reply();
    zone.answer(name, type, reply);
    return reply;
  }

  @Test
  void whileAStoreIsUnreadANameWithoutEndpointsIsServfailNotACachedNxdomain() {
    catalog.feed().put(new CatalogEndpoint(CatalogEndpoint.ZOOKEEPER, "/env/dev/sd/web/sd/a", "dev", "web", "10.0.0.1", 80,
      Set.of("dev"), 1, false));
    AtomicBoolean complete = new AtomicBoolean(false);
    Zone zone = new Zone(catalog, "pharos.", 5, complete::get);
    assertEquals(DnsResponseCode.NOERROR, ask(zone, "web.dev.pharos.", DnsRecordType.A).rcode, "what is known is answered");
    assertEquals(1, ask(zone, "web.dev.pharos.", DnsRecordType.A).answers.size());
    assertEquals(DnsResponseCode.SERVFAIL, ask(zone, "api.dev.pharos.", DnsRecordType.A).rcode);
    assertEquals(DnsResponseCode.SERVFAIL, ask(zone, "web.dev.pharos.", DnsRecordType.AAAA).rcode);
    complete.set(true);
    assertEquals(DnsResponseCode.NXDOMAIN, ask(zone, "api.dev.pharos.", DnsRecordType.A).rcode);
    assertEquals(DnsResponseCode.NOERROR, ask(zone, "web.dev.pharos.", DnsRecordType.AAAA).rcode);
  }

  @Test
  void anEnvsNameIsAnEmptyNonTerminalWhileItHasEndpointsAndGoneAfter() {
    Zone zone = new Zone(catalog, "pharos.", 5, () -> true);
    assertEquals(DnsResponseCode.NXDOMAIN, ask(zone, "dev.pharos.", DnsRecordType.A).rcode);
    catalog.feed().put(new CatalogEndpoint(CatalogEndpoint.ZOOKEEPER, "/env/dev/sd/web/sd/a", "dev", "web", "10.0.0.1", 80,
      Set.of("dev"), 1, false));
    Reply env = ask(zone, "DEV.pharos.", DnsRecordType.A); // any case, as resolvers may send it
    assertEquals(DnsResponseCode.NOERROR, env.rcode, "names exist below it (RFC 8020)");
    assertEquals(0, env.answers.size());
    catalog.feed().remove(CatalogEndpoint.ZOOKEEPER, "/env/dev/sd/web/sd/a");
    assertEquals(DnsResponseCode.NXDOMAIN, ask(zone, "dev.pharos.", DnsRecordType.A).rcode, "asked again after the change");
  }

  @Test
  void weightZeroTakesNoTrafficAndOnlyBackupsAreStillAnswered() {
    catalog.feed().put(new CatalogEndpoint(CatalogEndpoint.ZOOKEEPER, "/env/dev/sd/web/sd/a", "dev", "web", "10.0.0.1", 80,
      Set.of("dev"), 0, false));
    catalog.feed().put(new CatalogEndpoint(CatalogEndpoint.ZOOKEEPER, "/env/dev/sd/web/sd/b", "dev", "web", "10.0.0.2", 80,
      Set.of("dev"), 1, true));
    Zone zone = new Zone(catalog, "pharos.", 5, () -> true);
    Reply a = ask(zone, "web.dev.pharos.", DnsRecordType.A);
    assertEquals(1, a.answers.size(), "the drained endpoint is left out, the backup is all there is");
    assertEquals(1, ask(zone, "web.dev.pharos.", DnsRecordType.SRV).answers.size());
  }

  @Test
  void aHostNameIsItsOwnSrvTargetAndHasNoAddress() {
    catalog.feed().put(new CatalogEndpoint(CatalogEndpoint.NESOI, "/nesoi/srv/db/h1#pg", "srv", "db", "db1.example.com", 5432,
      Set.of("srv", "pg"), 1, false));
    Zone zone = new Zone(catalog, "pharos.", 5, () -> true);
    Reply srv = ask(zone, "db.srv.pharos.", DnsRecordType.SRV);
    assertEquals(1, srv.answers.size());
    assertTrue(srv.additional.isEmpty());
    assertEquals(DnsResponseCode.NOERROR, ask(zone, "db.srv.pharos.", DnsRecordType.A).rcode);
    assertTrue(ask(zone, "db.srv.pharos.", DnsRecordType.A).answers.isEmpty());
  }

  @Test
  void addressNamesRoundTrip() {
    byte[] v4 = {127, 0, 0, 2};
    assertEquals("7f000002.addr.pharos.", Records.addressName(v4, "pharos."));
    assertEquals(4, Records.addressOf("7f000002").length);
    assertEquals(16, Records.addressOf("20010db8000000000000000000000001").length);
    assertNull(Records.addressOf("web"));
    assertNull(Records.addressOf("7f00000g"));
    assertEquals(16, Records.nameLength("web.dev.pharos."), "3web 3dev 6pharos 0");
    assertTrue(Records.wellFormed("a".repeat(63) + ".pharos."));
    assertTrue(!Records.wellFormed("a".repeat(64) + ".pharos."));
  }
}
