package dev.pharos.dns;

import dev.pharos.bus.Addresses;
import dev.pharos.catalog.CatalogEndpoint;
import dev.pharos.catalog.ConsumerCatalog;
import dev.pharos.testing.Await;
import dev.pharos.testing.EventLoopGuard;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetAddress;
import java.net.Socket;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static dev.pharos.dns.Wire.ask;
import static dev.pharos.dns.Wire.askTcp;
import static dev.pharos.dns.Wire.records;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The DNS stage on real UDP and TCP sockets on loopback, answering from a catalog the test feeds. */
@ExtendWith(EventLoopGuard.class)
class DnsVerticleTest {

  private final ConsumerCatalog catalog = ConsumerCatalog.detached();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private Vertx vertx;
  private int port;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
  }

  private void deploy(JsonObject dns) throws Exception {
    JsonObject conf = new JsonObject().put("instanceId", "t1")
      .put("dns", new JsonObject().put("host", "127.0.0.1").put("port", 0).mergeIn(dns));
    vertx.deployVerticle(new DnsVerticle(catalog, meters), new DeploymentOptions().setConfig(conf)).await(20, TimeUnit.SECONDS);
    String listen = status().getJsonObject("details").getJsonObject("listen").getString("udp");
    port = Integer.parseInt(listen.substring(listen.lastIndexOf(':') + 1));
  }

  private JsonObject status() throws Exception {
    return vertx.eventBus().<JsonObject>request(Addresses.status(Addresses.DNS), new JsonObject()).await(5, TimeUnit.SECONDS).body();
  }

  private static CatalogEndpoint nerve(String env, String app, String host, int port, int weight, boolean backup, String... labels) {
    Set<String> tags = new java.util.HashSet<>(List.of(labels));
    tags.add(env);
    return new CatalogEndpoint(CatalogEndpoint.ZOOKEEPER, "/env/" + env + "/sd/" + app + "/sd/" + host + "-" + port, env, app, host, port,
      tags, weight, backup);
  }

  private double count(String name, String... tags) {
    var counter = meters.find(name).tags(tags).counter();
    return counter == null ? 0 : counter.count();
  }

  @Test
  void answersAddressesAndSrvWithWeightsPrioritiesAndTargetsThatResolve() throws Exception {
    catalog.feed().put(nerve("dev", "web", "10.0.0.1", 8080, 1, false));
    catalog.feed().put(nerve("dev", "web", "10.0.0.2", 8081, 3, false));
    catalog.feed().put(nerve("dev", "web", "10.0.0.3", 8082, 1, true));
    catalog.feed().put(nerve("prod", "web", "10.9.9.9", 80, 1, false));
    deploy(new JsonObject());

    DnsResponse a = ask(port, "web.dev.pharos.", DnsRecordType.A);
    assertEquals(DnsResponseCode.NOERROR, a.code());
    assertTrue(a.isAuthoritativeAnswer());
    assertEquals(Set.of("web.dev.pharos. A 10.0.0.1", "web.dev.pharos. A 10.0.0.2"), Set.copyOf(records(a, DnsSection.ANSWER)),
      "A has no priority: the backup is left out while others serve, and prod's endpoint is another env");

    DnsResponse srv = ask(port, "web.dev.pharos.", DnsRecordType.SRV);
    assertEquals(Set.of("web.dev.pharos. SRV 1 1 8080 0a000001.addr.pharos.", "web.dev.pharos. SRV 1 3 8081 0a000002.addr.pharos.",
      "web.dev.pharos. SRV 2 1 8082 0a000003.addr.pharos."), Set.copyOf(records(srv, DnsSection.ANSWER)));
    assertEquals(Set.of("0a000001.addr.pharos. A 10.0.0.1", "0a000002.addr.pharos. A 10.0.0.2", "0a000003.addr.pharos. A 10.0.0.3"),
      Set.copyOf(records(srv, DnsSection.ADDITIONAL)));
    // the target resolves on its own too
    assertEquals(List.of("0a000002.addr.pharos. A 10.0.0.2"), records(ask(port, "0a000002.addr.pharos.", DnsRecordType.A), DnsSection.ANSWER));
    // over TCP the same
    assertEquals(3, askTcp(port, "web.dev.pharos.", DnsRecordType.SRV).count(DnsSection.ANSWER));
    // a name's case does not matter (0x20 resolvers), and the answer keeps the question's case
    assertEquals(List.of("WeB.PRod.PHAROS. A 10.9.9.9"), records(ask(port, "WeB.PRod.PHAROS.", DnsRecordType.A), DnsSection.ANSWER));
    assertEquals(4, count("pharos.dns.queries", "proto", "udp", "rcode", "NOERROR"));
    assertEquals(1, count("pharos.dns.queries", "proto", "tcp", "rcode", "NOERROR"));
  }

  @Test
  void theTagFormNarrowsToEndpointsWithTheTag() throws Exception {
    catalog.feed().put(nerve("dev", "web", "10.0.0.1", 8080, 1, false, "az:a"));
    catalog.feed().put(nerve("dev", "web", "10.0.0.2", 8080, 1, false, "az:b"));
    deploy(new JsonObject());
    assertEquals(List.of("az:b.web.dev.pharos. A 10.0.0.2"), records(ask(port, "az:b.web.dev.pharos.", DnsRecordType.A), DnsSection.ANSWER));
    assertEquals(2, ask(port, "dev.web.dev.pharos.", DnsRecordType.A).count(DnsSection.ANSWER), "the env is a tag of each");
    assertEquals(DnsResponseCode.NXDOMAIN, ask(port, "az:c.web.dev.pharos.", DnsRecordType.A).code());
  }

  @Test
  void unknownNamesAreNxdomainWithTheSoaAndOtherDomainsAreRefused() throws Exception {
    catalog.feed().put(nerve("dev", "web", "10.0.0.1", 8080, 1, false));
    deploy(new JsonObject().put("ttl", 7));
    DnsResponse unknown = ask(port, "nope.dev.pharos.", DnsRecordType.A);
    assertEquals(DnsResponseCode.NXDOMAIN, unknown.code());
    assertEquals(List.of("pharos. SOA"), records(unknown, DnsSection.AUTHORITY));
    assertEquals(7, unknown.recordAt(DnsSection.AUTHORITY, 0).timeToLive());
    assertEquals(DnsResponseCode.NXDOMAIN, ask(port, "a.b.c.d.pharos.", DnsRecordType.A).code());
    assertEquals(DnsResponseCode.NXDOMAIN, ask(port, "prod.pharos.", DnsRecordType.A).code());
    // names with names below them exist (RFC 8020): no data, not NXDOMAIN
    assertEquals(DnsResponseCode.NOERROR, ask(port, "dev.pharos.", DnsRecordType.A).code());
    assertEquals(DnsResponseCode.NOERROR, ask(port, "pharos.", DnsRecordType.A).code());
    assertEquals(List.of("pharos. SOA"), records(ask(port, "pharos.", DnsRecordType.SOA), DnsSection.ANSWER));
    // an app with only IPv4 addresses has no AAAA: no data
    DnsResponse aaaa = ask(port, "web.dev.pharos.", DnsRecordType.AAAA);
    assertEquals(DnsResponseCode.NOERROR, aaaa.code());
    assertEquals(0, aaaa.count(DnsSection.ANSWER));
    assertEquals(1, aaaa.count(DnsSection.AUTHORITY));
    // not an open resolver
    DnsResponse outside = ask(port, "example.com.", DnsRecordType.A);
    assertEquals(DnsResponseCode.REFUSED, outside.code());
    assertEquals(0, outside.count(DnsSection.ANSWER));
    assertEquals(DnsResponseCode.REFUSED, ask(port, "notpharos.", DnsRecordType.A).code());
    assertEquals(2, count("pharos.dns.queries", "proto", "udp", "rcode", "REFUSED"));
  }

  @Test
  void anAnswerTooLargeForUdpIsTruncatedAndWholeOverTcpOrWithEdns() throws Exception {
    for (int i = 1; i <= 100; i++) {
      catalog.feed().put(nerve("dev", "big", "10.0.1." + i, 9000 + i, 1, false));
    }
    deploy(new JsonObject());
    byte[] plain = Wire.udp(port, Wire.query(1, "big.dev.pharos.", DnsRecordType.A, 0));
    assertTrue(plain.length <= 512, "a plain UDP answer fits 512 bytes: " + plain.length);
    DnsResponse truncated = Wire.decode(plain);
    assertTrue(truncated.isTruncated());
    assertTrue(truncated.count(DnsSection.ANSWER) < 100 && truncated.count(DnsSection.ANSWER) > 0);
    DnsResponse tcp = askTcp(port, "big.dev.pharos.", DnsRecordType.A);
    assertFalse(tcp.isTruncated());
    assertEquals(100, tcp.count(DnsSection.ANSWER));
    // EDNS0: the client's size; 100 addresses take 1,600 bytes with the owner compressed
    DnsResponse edns = Wire.decode(Wire.udp(port, Wire.query(2, "big.dev.pharos.", DnsRecordType.A, 4096)));
    assertFalse(edns.isTruncated());
    assertEquals(100, edns.count(DnsSection.ANSWER));
    assertEquals(1, edns.count(DnsSection.ADDITIONAL), "the OPT record");
    DnsResponse srv = Wire.decode(Wire.udp(port, Wire.query(3, "big.dev.pharos.", DnsRecordType.SRV, 1232)));
    assertTrue(srv.isTruncated());
    assertEquals(100, askTcp(port, "big.dev.pharos.", DnsRecordType.SRV).count(DnsSection.ANSWER));
    assertEquals(2, count("pharos.dns.truncated", "proto", "udp"));
  }

  @Test
  void aDeregistrationIsGoneFromTheNextAnswer() throws Exception {
    CatalogEndpoint one = nerve("dev", "web", "10.0.0.1", 8080, 1, false);
    catalog.feed().put(one);
    catalog.feed().put(nerve("dev", "web", "10.0.0.2", 8080, 1, false));
    deploy(new JsonObject());
    assertEquals(2, ask(port, "web.dev.pharos.", DnsRecordType.A).count(DnsSection.ANSWER));
    catalog.feed().remove(CatalogEndpoint.ZOOKEEPER, one.key());
    assertEquals(List.of("web.dev.pharos. A 10.0.0.2"), records(ask(port, "web.dev.pharos.", DnsRecordType.A), DnsSection.ANSWER));
    catalog.feed().remove(CatalogEndpoint.ZOOKEEPER, "/env/dev/sd/web/sd/10.0.0.2-8080");
    assertEquals(DnsResponseCode.NXDOMAIN, ask(port, "web.dev.pharos.", DnsRecordType.A).code());
  }

  @Test
  void badInputGetsAClearRcodeIsCountedAndStopsNothing() throws Exception {
    catalog.feed().put(nerve("dev", "web", "10.0.0.1", 8080, 1, false));
    deploy(new JsonObject());
    byte[] good = Wire.query(42, "web.dev.pharos.", DnsRecordType.A, 0);

    // two questions, and 65535 of them: FORMERR, nothing decoded past the header
    byte[] two = good.clone();
    two[5] = 2;
    assertEquals(DnsResponseCode.FORMERR, Wire.decode(Wire.udp(port, two)).code());
    byte[] many = good.clone();
    many[4] = (byte) 0xff;
    many[5] = (byte) 0xff;
    DnsResponse formerr = Wire.decode(Wire.udp(port, many));
    assertEquals(DnsResponseCode.FORMERR, formerr.code());
    assertEquals(42, formerr.id());

    // a label running past the end of the packet: FORMERR with the id
    byte[] cut = java.util.Arrays.copyOf(good, 16);
    cut[12] = 60;
    assertEquals(DnsResponseCode.FORMERR, Wire.decode(Wire.udp(port, cut)).code());

    // a name over 255 bytes
    String longName = "a".repeat(60) + "." + "b".repeat(60) + "." + "c".repeat(60) + "." + "d".repeat(60) + ".web.dev.pharos.";
    assertEquals(DnsResponseCode.FORMERR, ask(port, longName, DnsRecordType.A).code());

    // another opcode (NOTIFY): not implemented
    byte[] notify = good.clone();
    notify[2] = (byte) (4 << 3);
    assertEquals(DnsResponseCode.NOTIMP, Wire.decode(Wire.udp(port, notify)).code());

    // an EDNS version this server does not speak: BADVERS (rcode 16, its upper bits in OPT)
    byte[] edns1 = Wire.query(43, "web.dev.pharos.", DnsRecordType.A, 1232);
    edns1[edns1.length - 5] = 1;
    DnsResponse badvers = Wire.decode(Wire.udp(port, edns1));
    assertEquals(1L, badvers.recordAt(DnsSection.ADDITIONAL, 0).timeToLive() >> 24);

    // shorter than a header, and a response: never answered (two servers would answer each other), counted
    try (java.net.DatagramSocket socket = new java.net.DatagramSocket()) {
      socket.send(new java.net.DatagramPacket(new byte[5], 5, InetAddress.getLoopbackAddress(), port));
      byte[] response = good.clone();
      response[2] = (byte) 0x81;
      socket.send(new java.net.DatagramPacket(response, response.length, InetAddress.getLoopbackAddress(), port));
    }
    Await.until("the dropped messages counted", () -> count("pharos.dns.dropped", "proto", "udp", "reason", "short") == 1
      && count("pharos.dns.dropped", "proto", "udp", "reason", "response") == 1);
    assertEquals(4, count("pharos.dns.queries", "proto", "udp", "rcode", "FORMERR"));
    assertEquals(1, count("pharos.dns.queries", "proto", "udp", "rcode", "NOTIMP"));
    assertEquals(1, count("pharos.dns.queries", "proto", "udp", "rcode", "BADVERS"));

    // and the server answers on, over UDP and TCP
    assertEquals(DnsResponseCode.NOERROR, Wire.decode(Wire.udp(port, good)).code());
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(5000);
      Wire.send(socket, cut);
      assertEquals(DnsResponseCode.FORMERR, Wire.decode(Wire.receive(socket)).code());
      Wire.send(socket, many);
      assertEquals(DnsResponseCode.FORMERR, Wire.decode(Wire.receive(socket)).code());
      Wire.send(socket, good);
      assertEquals(DnsResponseCode.NOERROR, Wire.decode(Wire.receive(socket)).code(), "the same connection goes on");
    }
  }

  @Test
  void tcpConnectionsAreBoundedAndClosedWhenIdle() throws Exception {
    catalog.feed().put(nerve("dev", "web", "10.0.0.1", 8080, 1, false));
    deploy(new JsonObject().put("maxTcpConnections", 1).put("tcpIdleMs", 300));
    try (Socket first = new Socket(InetAddress.getLoopbackAddress(), port);
         Socket second = new Socket(InetAddress.getLoopbackAddress(), port)) {
      first.setSoTimeout(5000);
      second.setSoTimeout(5000);
      Wire.send(first, Wire.query(1, "web.dev.pharos.", DnsRecordType.A, 0));
      assertEquals(DnsResponseCode.NOERROR, Wire.decode(Wire.receive(first)).code());
      assertEquals(-1, second.getInputStream().read(), "the connection over the limit is closed");
      assertEquals(-1, first.getInputStream().read(), "an idle connection is closed");
    }
    Await.until("counted", () -> count("pharos.dns.tcp.connections", "outcome", "refused") == 1
      && count("pharos.dns.tcp.connections", "outcome", "idle") == 1);
  }

  @Test
  void aPerSourceLimitRefusesTheRestOfTheSecond() throws Exception {
    catalog.feed().put(nerve("dev", "web", "10.0.0.1", 8080, 1, false));
    deploy(new JsonObject().put("sourceQueriesPerSecond", 3));
    int refused = 0;
    for (int i = 0; i < 10; i++) {
      if (ask(port, "web.dev.pharos.", DnsRecordType.A).code().equals(DnsResponseCode.REFUSED)) {
        refused++;
      }
    }
    assertTrue(refused >= 4, "at most 3 a second answered, 10 asked within at most 2 or 3 seconds: " + refused);
  }

  @Test
  void anUnreachableStoreIsAProblemAndItsEndpointsAreStillAnswered() throws Exception {
    catalog.feed().put(nerve("dev", "web", "10.0.0.1", 8080, 1, false));
    catalog.feed().loaded(CatalogEndpoint.ZOOKEEPER);
    deploy(new JsonObject());
    JsonObject running = status();
    assertEquals("running", running.getString("state"));
    assertEquals("ready", running.getJsonObject("details").getJsonObject("catalog").getJsonObject("zookeeper").getString("state"));
    catalog.feed().reachable(CatalogEndpoint.ZOOKEEPER, "connection lost");
    Await.until("the store's problem in the status", () -> status().getJsonArray("problems").encode().contains("store zookeeper"));
    assertEquals(1, ask(port, "web.dev.pharos.", DnsRecordType.A).count(DnsSection.ANSWER));
    catalog.feed().reachable(CatalogEndpoint.ZOOKEEPER, null);
    Await.until("the problem cleared", () -> status().getJsonArray("problems").isEmpty());
  }
}
