package dev.pharos.harness;

import dev.pharos.etcd.EtcdClients;
import dev.pharos.etcd.EtcdServer;
import dev.pharos.launcher.Pharos;
import io.etcd.jetcd.Client;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static dev.pharos.harness.Harness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The DNS interface end to end with {@code dig} over UDP and TCP: registrations from every store
 * (a Nerve znode written straight into the harness's ZooKeeper, a Nesoi host PUT through the api,
 * a service document in a real etcd), the tag form, NXDOMAIN, REFUSED, truncation of 100
 * instances over UDP and dig's retry over TCP, and a deregistration gone from the next answer.
 */
class DnsIT extends EndToEndTest {

  private EtcdServer etcd;
  private Vertx clientVertx;
  private Client client;

  @BeforeEach
  void startEtcd() throws Exception {
    etcd = EtcdServer.start(Files.createTempDirectory("etcd").resolve("data"));
    clientVertx = Vertx.vertx();
    client = EtcdClients.create(clientVertx, new JsonObject().put("endpoints", new JsonArray().add(etcd.endpoint())));
  }

  @AfterEach
  void stopEtcd() throws Exception {
    client.close();
    clientVertx.close().await(10, TimeUnit.SECONDS);
    harness.close(); // the nodes go before their etcd does
    etcd.close();
  }

  private Pharos node() throws Exception {
    return harness.start(harness.conf("dns-" + harness.runId(), new JsonObject()
      .put("etcd", new JsonObject().put("endpoints", new JsonArray().add(etcd.endpoint())))
      .put("verticles", new JsonObject().put("api", new JsonObject()).put("dns", new JsonObject()))));
  }

  /** A Nerve registration as Nerve writes it, straight into ZooKeeper. */
  private String register(String env, String app, String name, JsonObject data) throws Exception {
    return harness.zk().create().creatingParentsIfNeeded().withMode(org.apache.zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL)
      .forPath("/env/" + env + "/sd/" + app + "/sd/" + name + "_", data.encode().getBytes(StandardCharsets.UTF_8));
  }

  private static JsonObject nerve(String host, int port, String name) {
    return new JsonObject().put("host", host).put("port", port).put("name", name);
  }

  @Test
  void answersEveryStoresRegistrationsOverUdpAndTcp() throws Exception {
    Pharos node = node();
    int port = Harness.dnsPort(node);
    String api = Harness.api(node);

    String first = register("dev", "web", "i-1", nerve("127.0.0.11", 8081, "i-1").put("weight", 1).put("labels", new JsonObject().put("az", "a")));
    register("dev", "web", "i-2", nerve("127.0.0.12", 8082, "i-2").put("weight", 3).put("labels", new JsonObject().put("az", "b")));
    register("dev", "web", "i-3", nerve("127.0.0.13", 8083, "i-3").put("haproxy_server_options", "backup"));
    await("the znodes in the answer", () -> Dig.query(port, "web.dev.pharos.", "SRV").answer().size() == 3);

    Dig.Answer a = Dig.query(port, "web.dev.pharos.", "A");
    assertEquals("NOERROR", a.status(), a.output());
    assertTrue(a.flags().contains("aa"), a.output());
    assertEquals(Set.of("127.0.0.11", "127.0.0.12"), Set.copyOf(a.data()), "the backup is left out of A while others serve: " + a.output());
    assertTrue(a.answer().get(0).startsWith("web.dev.pharos.\t5\tIN\tA") || a.answer().get(0).matches("web\\.dev\\.pharos\\.\\s+5\\s+IN\\s+A\\s.*"),
      "the default TTL is 5 s: " + a.output());

    for (String transport : List.of("+notcp", "+tcp")) {
      Dig.Answer srv = Dig.query(port, "web.dev.pharos.", "SRV", transport);
      assertEquals(Set.of("1 1 8081 7f00000b.addr.pharos.", "1 3 8082 7f00000c.addr.pharos.", "2 1 8083 7f00000d.addr.pharos."),
        Set.copyOf(srv.data()), transport + ": " + srv.output());
      assertEquals(3, srv.additional().stream().filter(r -> r.contains("addr.pharos.") && r.contains("\tA\t") || r.matches(".*addr\\.pharos\\.\\s+5\\s+IN\\s+A\\s.*")).count(),
        "each target's address in the additional section: " + srv.output());
    }
    assertEquals(List.of("127.0.0.12"), Dig.query(port, "7f00000c.addr.pharos.", "A").data(), "a target resolves on its own");
    assertEquals(List.of("127.0.0.12"), Dig.query(port, "az:b.web.dev.pharos.", "A", "+tcp").data(), "the tag form");

    // until every store (etcd too) has been read once, a name without endpoints is SERVFAIL, not NXDOMAIN
    await("every store read once", () -> !Dig.query(port, "nope.dev.pharos.", "A").status().equals("SERVFAIL"));
    Dig.Answer unknown = Dig.query(port, "nope.dev.pharos.", "A");
    assertEquals("NXDOMAIN", unknown.status(), unknown.output());
    assertTrue(unknown.authority().get(0).contains("SOA"), unknown.output());
    assertEquals("REFUSED", Dig.query(port, "example.com.", "A").status(), "not an open resolver");
    assertEquals("REFUSED", Dig.query(port, "example.com.", "A", "+tcp").status());
    Dig.Answer aaaa = Dig.query(port, "web.dev.pharos.", "AAAA");
    assertEquals("NOERROR", aaaa.status());
    assertTrue(aaaa.answer().isEmpty(), aaaa.output());

    // a Nesoi host, filed under env srv
    assertEquals(200, Http.send("PUT", api + "/srv/dm/host1", "{\"name\":\"host1\", \"endpoints\":{\"http\":\"http://127.0.0.21:8000/\"}}")
      .statusCode());
    await("the Nesoi host in the answer", () -> Dig.query(port, "dm.srv.pharos.", "A").data().equals(List.of("127.0.0.21")));
    assertEquals(List.of("1 1 8000 7f000015.addr.pharos."), Dig.query(port, "http.dm.srv.pharos.", "SRV", "+tcp").data());

    // an etcd service document
    String key = "/services/prod/cache/6379/16379/abc123";
    client.getKVClient().put(EtcdClients.bytes(key), EtcdClients.bytes(new JsonObject().put("id", "abc123").put("ipaddress", "127.0.0.31")
      .put("host_port", "16379").put("port", "6379").put("tags", new JsonArray().add("prod").add("blue")).encode())).get(10, TimeUnit.SECONDS);
    await("the etcd document in the answer", () -> Dig.query(port, "cache.prod.pharos.", "SRV").data()
      .equals(List.of("1 1 16379 7f00001f.addr.pharos.")));
    assertEquals(List.of("127.0.0.31"), Dig.query(port, "blue.cache.prod.pharos.", "A").data());

    // a deregistration: gone from the next answer once the catalog has seen it
    harness.zk().delete().forPath(first);
    await("the deregistered endpoint gone", () -> !Dig.query(port, "web.dev.pharos.", "SRV").data().toString().contains("8081"));
    assertEquals(List.of("127.0.0.12"), Dig.query(port, "web.dev.pharos.", "A").data());

    String scrape = Http.send("GET", api + "/metrics", null).body();
    assertTrue(MetricsIT.sample(scrape, "pharos_dns_queries_total", "proto=\"udp\"", "rcode=\"NXDOMAIN\"") >= 1, "counted");
    assertTrue(MetricsIT.sample(scrape, "pharos_dns_queries_total", "proto=\"tcp\"", "rcode=\"REFUSED\"") >= 1, "counted");
    JsonObject health = Http.getJson(api + "/v1/health");
    assertTrue(health.encode().contains("\"dns\""), health.encodePrettily());
  }

  @Test
  void aHundredInstancesAreTruncatedOverUdpAndWholeWhenDigRetriesOverTcp() throws Exception {
    Pharos node = node();
    int port = Harness.dnsPort(node);
    List<CuratorOp> creates = new ArrayList<>();
    creates.add(harness.zk().transactionOp().create().forPath("/env"));
    creates.add(harness.zk().transactionOp().create().forPath("/env/dev"));
    creates.add(harness.zk().transactionOp().create().forPath("/env/dev/sd"));
    creates.add(harness.zk().transactionOp().create().forPath("/env/dev/sd/big"));
    creates.add(harness.zk().transactionOp().create().forPath("/env/dev/sd/big/sd"));
    for (int i = 1; i <= 100; i++) {
      creates.add(harness.zk().transactionOp().create().forPath(String.format("/env/dev/sd/big/sd/i-%d_%010d", i, i),
        nerve("127.0.1." + i, 9000 + i, "i-" + i).encode().getBytes(StandardCharsets.UTF_8)));
    }
    harness.zk().transaction().forOperations(creates);
    await("all 100 over TCP", () -> Dig.query(port, "big.dev.pharos.", "A", "+tcp").answer().size() == 100);

    Dig.Answer plain = Dig.query(port, "big.dev.pharos.", "A", "+ignore", "+noedns");
    assertTrue(plain.truncated(), plain.output());
    assertFalse(plain.answer().size() >= 100, plain.output());
    Dig.Answer edns = Dig.query(port, "big.dev.pharos.", "SRV", "+ignore");
    assertTrue(edns.truncated(), "100 SRV records and their addresses are over dig's 1232 bytes: " + edns.output());

    Dig.Answer retried = Dig.query(port, "big.dev.pharos.", "SRV");
    assertTrue(retried.output().contains("Truncated, retrying in TCP mode"), retried.output());
    assertEquals(100, retried.answer().size(), retried.output());
    assertFalse(retried.truncated());
    assertEquals(100, Dig.query(port, "big.dev.pharos.", "A", "+noedns").answer().size());
  }
}
