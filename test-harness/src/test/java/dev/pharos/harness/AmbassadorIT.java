package dev.pharos.harness;

import dev.pharos.etcd.EtcdClients;
import dev.pharos.etcd.EtcdServer;
import dev.pharos.launcher.Pharos;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.LeaseOption;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.pharos.harness.Harness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Docker ambassador's job end to end, on the real dockerd and a real etcd (Debian's
 * etcd-server, started per test so it can be restarted): service documents in etcd, a consumer
 * container joined to the ambassador's namespace fetching through its listener, etcd restarted
 * under Pharos, and Pharos killed with -9.
 */
class AmbassadorIT extends EndToEndTest {

  private static final String DEFINITION =
    "{\"nerve\": {\"check_interval\": 0.2, \"checks\": [{\"type\": \"http\", \"uri\": \"/index.html\", \"timeout\": 0.5}]}}";
  private static final Map<String, String> WEB = Map.of("sd-env", "dev", "sd-name", "web", "sd-tags", "blue");

  private EtcdServer etcd;
  private Vertx clientVertx;
  private Client client;
  private Process process;

  @BeforeEach
  void startEtcd() throws Exception {
    etcd = EtcdServer.start(Files.createTempDirectory("etcd").resolve("data"));
    clientVertx = Vertx.vertx();
    client = EtcdClients.create(clientVertx, etcdConf());
  }

  @AfterEach
  void stopEtcd() throws Exception {
    if (process != null) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    client.close();
    clientVertx.close().await(10, TimeUnit.SECONDS);
    harness.close(); // the nodes go before their etcd does
    etcd.close();
  }

  private JsonObject etcdConf() {
    return new JsonObject().put("endpoints", new JsonArray().add(etcd.endpoint())).put("leaseTtlSeconds", 3);
  }

  private List<KeyValue> documents(String prefix) throws Exception {
    return client.getKVClient().get(EtcdClients.bytes(prefix), GetOption.builder().isPrefix(true).build())
      .get(10, TimeUnit.SECONDS).getKvs();
  }

  private List<KeyValue> webDocuments() throws Exception {
    return documents("/services/dev/web/");
  }

  @Test
  void registersInEtcdAndServesAJoinedConsumerThroughItsListener() throws Exception {
    harness.define("dev", "web", DEFINITION);
    String ambassador = harness.runOnHostNetwork(Map.of(), List.of("sleep", "3600"));
    Pharos node = harness.start(harness.conf("amb-" + harness.runId(), new JsonObject().put("etcd", etcdConf())
      .put("ambassador", new JsonObject().put("containers", new JsonArray().add(ambassador)))));
    String api = Harness.api(node);

    String backend = harness.runHttpd(WEB);
    int hostPort = harness.hostPort(backend, 80);
    String key = "/services/dev/web/80/" + hostPort + "/" + Harness.shortId(backend);
    await("the service document in etcd", () -> documents(key).size() == 1);
    JsonObject doc = new JsonObject(documents(key).get(0).getValue().toString());
    assertEquals(List.of("id", "host", "ipaddress", "env", "tags", "name", "image", "hostname", "host_port", "proto", "port", "path"),
      List.copyOf(doc.fieldNames()));
    assertEquals(backend, doc.getString("id"));
    assertEquals("127.0.0.1", doc.getString("ipaddress"));
    assertEquals(String.valueOf(hostPort), doc.getString("host_port"));
    assertEquals("80", doc.getString("port"));
    assertEquals(List.of("dev", "blue"), doc.getJsonArray("tags").getList());
    assertEquals(key, doc.getString("path"));
    assertTrue(doc.getString("name").startsWith("/"), doc.getString("name"));
    assertEquals(Harness.image(), doc.getString("image"));

    int listen = Harness.freePort();
    String consumer = harness.runJoined(ambassador, Map.of(
      "BACKEND_WEB", "web[dev];" + listen + "/tcp",
      "BACKEND_BROKEN", "web[dev;80/tcp"), List.of("sleep", "3600"));
    String url = "http://127.0.0.1:" + listen + "/index.html";
    await("a fetch through the listener inside the consumer", Duration.ofSeconds(30),
      () -> harness.execOutput(consumer, "wget", "-qO-", url).contains("Hello, world"));
    String scrape = Http.send("GET", api + "/metrics", null).body();
    assertTrue(MetricsIT.sample(scrape, "pharos_proxy_connections_total", "service=\"web\"", "outcome=\"forwarded\"") >= 1, "proxy connections");
    assertTrue(MetricsIT.sample(scrape, "pharos_proxy_bytes_total", "service=\"web\"", "direction=\"to_client\"") > 0, "proxy bytes");
    assertTrue(MetricsIT.sample(scrape, "pharos_store_operations_seconds_count", "store=\"etcd\"", "op=\"put\"") >= 1, "etcd writes");
    JsonObject health = Http.getJson(api + "/v1/health");
    assertTrue(health.encode().contains("BACKEND_BROKEN") && health.encode().contains("brackets"),
      "the malformed descriptor is named in the health view: " + health.encodePrettily());

    harness.docker().stopContainerCmd(backend).withTimeout(1).exec();
    await("the stopped backend's document gone", () -> documents(key).isEmpty());
    String second = harness.runHttpd(WEB);
    int secondPort = harness.hostPort(second, 80);
    await("the new backend is the listener's endpoint", () -> Http.getJson(api + "/v1/descriptors")
      .getJsonArray("descriptors").getJsonObject(0).getJsonArray("endpoints").encode().contains("127.0.0.1:" + secondPort));
    assertTrue(harness.execOutput(consumer, "wget", "-qO-", url).contains("Hello, world"), "fetched again through the same listener");
  }

  @Test
  void etcdRestartedUnderPharosGetsItsLeaseAndDocumentsBack() throws Exception {
    harness.define("dev", "web", DEFINITION);
    harness.start(harness.conf("etcdrestart-" + harness.runId(), new JsonObject().put("etcd", etcdConf())));
    harness.runHttpd(WEB);
    await("registered in etcd", () -> webDocuments().size() == 1);

    etcd.stop();
    String during = harness.runHttpd(WEB); // registered in ZooKeeper meanwhile; etcd must catch up
    await("the second in ZooKeeper", () -> harness.registrations("dev", "web").size() == 2);
    Thread.sleep(4000); // longer than the 3 s TTL
    long down = System.nanoTime();
    etcd.start();
    long up = System.nanoTime();

    await("both documents in etcd again", Duration.ofSeconds(30), () -> webDocuments().size() == 2);
    System.out.println("[AmbassadorIT] etcd back (start took " + (up - down) / 1_000_000 + " ms): both documents in etcd "
      + (System.nanoTime() - up) / 1_000_000 + " ms later");
    assertTrue(webDocuments().stream().anyMatch(kv -> kv.getKey().toString().endsWith(Harness.shortId(during))));
    for (KeyValue kv : webDocuments()) {
      long ttl = client.getLeaseClient().timeToLive(kv.getLease(), LeaseOption.DEFAULT).get(10, TimeUnit.SECONDS).getTTL();
      assertTrue(ttl > 0, "bound to a live lease: " + kv.getKey());
    }
    Thread.sleep(4000);
    assertEquals(2, webDocuments().size(), "kept alive after the restart");
  }

  @Test
  void killMinusNineLeavesItsDocumentsOnlyUntilTheLeaseRunsOut() throws Exception {
    harness.define("dev", "web", DEFINITION);
    JsonObject conf = new JsonObject().put("instanceId", "kill-" + harness.runId()).put("hostIp", "127.0.0.1")
      .put("zookeeper", new JsonObject().put("connect", harness.connect()))
      .put("etcd", etcdConf()).put("api", new JsonObject().put("port", Harness.freePort()))
      .put("dns", new JsonObject().put("port", 0));
    Path dir = Files.createTempDirectory("pharos-process");
    Path confFile = Files.writeString(dir.resolve("pharos.json"), conf.encodePrettily());
    process = Harness.launch(confFile, dir.resolve("pharos.log"));
    harness.runHttpd(WEB);
    await("registered in etcd by the process", Duration.ofSeconds(60), () -> webDocuments().size() == 1);

    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // SIGKILL: no lease revoke
    assertEquals(1, webDocuments().size(), "the lease still holds it");
    await("gone with the 3 s lease", Duration.ofSeconds(20), () -> webDocuments().isEmpty());
  }

  /**
   * The list of services counts each etcd document once: the documents a Docker instance wrote
   * are that instance, the others (another writer's) are counted by the ambassador by env; one
   * service's page lists the latter as instances.
   */
  @Test
  void theListOfServicesCountsEtcdDocumentsNoDockerInstanceWroteOnce() throws Exception {
    harness.define("dev", "web", DEFINITION);
    Pharos node = harness.start(harness.conf("list-" + harness.runId(), new JsonObject().put("etcd", etcdConf())));
    String api = Harness.api(node);
    String backend = harness.runHttpd(WEB);
    String ours = "/services/dev/web/80/" + harness.hostPort(backend, 80) + "/" + Harness.shortId(backend);
    await("the Docker instance's document in etcd", () -> documents(ours).size() == 1);
    String foreign = "/services/dev/web/80/9999/elsewhere";
    client.getKVClient().put(EtcdClients.bytes(foreign), EtcdClients.bytes(
      "{\"ipaddress\":\"127.0.0.9\",\"host_port\":\"9999\",\"port\":\"80\",\"tags\":[\"dev\"]}")).get(10, TimeUnit.SECONDS);
    client.getKVClient().put(EtcdClients.bytes("/services/prod/cache/6379/6379/c1"), EtcdClients.bytes(
      "{\"ipaddress\":\"127.0.0.8\",\"host_port\":\"6379\",\"port\":\"6379\",\"tags\":[\"prod\"]}")).get(10, TimeUnit.SECONDS);

    await("web: the Docker instance up and the other writer's document", Duration.ofSeconds(30), () -> {
      JsonObject web = Http.getJson(api + "/v1/services?app=web");
      return web.getInteger("total") == 1 && new JsonObject().put("docker", 1).put("etcd", 1)
        .equals(web.getJsonArray("services").getJsonObject(0).getJsonObject("sources"))
        && new JsonObject().put("unchecked", 1).put("up", 1).equals(web.getJsonArray("services").getJsonObject(0).getJsonObject("states"));
    });
    JsonObject cache = Http.getJson(api + "/v1/services?app=cache").getJsonArray("services").getJsonObject(0);
    assertEquals(new JsonObject().put("etcd", 1), cache.getJsonObject("sources"));
    assertEquals(new JsonArray().add("prod"), cache.getJsonArray("envs"));
    JsonObject prod = Http.getJson(api + "/v1/services?env=prod");
    assertEquals(1, prod.getInteger("total"));
    assertEquals(1L, prod.getLong("instances"));
    assertEquals(true, prod.getBoolean("etcd"));
    JsonObject all = Http.getJson(api + "/v1/services");
    assertEquals(3L, all.getLong("instances"), "one Docker instance and two other documents: " + all.encode());
    // the whole list is made of the stages' counts, a named service's row of its instances and documents: the same row
    JsonObject webInAll = all.getJsonArray("services").stream().map(JsonObject.class::cast)
      .filter(s -> "web".equals(s.getString("name"))).findFirst().orElseThrow();
    assertEquals(Http.getJson(api + "/v1/services?app=web").getJsonArray("services").getJsonObject(0), webInAll);

    JsonObject page = Http.getJson(api + "/v1/services/web");
    assertEquals(List.of("docker", "etcd"), page.getJsonArray("instances").stream()
      .map(i -> ((JsonObject) i).getString("source")).sorted().toList());
    assertTrue(page.getJsonArray("instances").encode().contains(foreign), page.encode());
    assertEquals(400, Http.send("GET", api + "/v1/services?limit=none", null).statusCode());
  }
}
