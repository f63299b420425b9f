package dev.pharos.ambassador;

import static dev.pharos.ambassador.ListenerClient.firstLine;
import static dev.pharos.ambassador.ListenerClient.readLine;

import dev.pharos.testing.EventLoopGuard;
import dev.pharos.bus.Addresses;
import dev.pharos.etcd.EtcdClients;
import dev.pharos.etcd.EtcdServer;
import dev.pharos.model.Container;
import dev.pharos.model.Host;
import io.etcd.jetcd.Client;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import dev.pharos.testing.Await;
import dev.pharos.testing.FreePorts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ambassador against a real etcd and real sockets on loopback: backends are small Vert.x
 * servers that answer with their own name, so each connection shows where it was forwarded.
 */
@ExtendWith(EventLoopGuard.class)
class AmbassadorTest {

  private EtcdServer etcd;
  private Client client;
  private final List<NetServer> backends = new ArrayList<>();

  @BeforeEach
  void startEtcd(@TempDir Path dir, Vertx vertx) throws Exception {
    etcd = EtcdServer.start(dir.resolve("etcd"));
    client = EtcdClients.create(vertx, etcdConf());
  }

  @AfterEach
  void stop(Vertx vertx) throws Exception {
    for (String id : vertx.deploymentIDs()) {
      vertx.undeploy(id).await(20, TimeUnit.SECONDS);
    }
    client.close();
    etcd.close();
  }

  private JsonObject etcdConf() {
    return new JsonObject().put("endpoints", new JsonArray().add(etcd.endpoint()));
  }


  private void deploy(Vertx vertx, JsonObject ambassador) throws Exception {
    JsonObject conf = new JsonObject().put("instanceId", "h1").put("hostIp", "127.0.0.1").put("etcd", etcdConf())
      .put("ambassador", ambassador);
    vertx.deployVerticle(new AmbassadorVerticle(), new DeploymentOptions().setConfig(conf)).await(20, TimeUnit.SECONDS);
  }

  /** A backend that writes its name to each connection, then echoes what it reads. */
  private int backend(Vertx vertx, String name) {
    NetServer server = vertx.createNetServer().connectHandler(socket -> {
      socket.write(name + "\n");
      socket.handler(socket::write);
    });
    backends.add(server);
    return server.listen(0, "127.0.0.1").await().actualPort();
  }

  private void register(String env, String service, int port, String id, String... tags) throws Exception {
    String key = "/services/" + env + "/" + service + "/80/" + port + "/" + id;
    JsonObject doc = new JsonObject().put("id", id).put("ipaddress", "127.0.0.1").put("host_port", String.valueOf(port))
      .put("tags", new JsonArray(List.of(tags)));
    put(key, doc.encode());
  }

  private void put(String key, String value) throws Exception {
    client.getKVClient().put(EtcdClients.bytes(key), EtcdClients.bytes(value)).get(10, TimeUnit.SECONDS);
  }

  private void delete(String key) throws Exception {
    client.getKVClient().delete(EtcdClients.bytes(key)).get(10, TimeUnit.SECONDS);
  }


  private static JsonObject descriptors(Vertx vertx) throws Exception {
    return vertx.eventBus().<JsonObject>request(Addresses.DESCRIPTORS, new JsonObject()).await(5, TimeUnit.SECONDS).body();
  }

  private static JsonObject health(Vertx vertx) throws Exception {
    return vertx.eventBus().<JsonObject>request(Addresses.status(Addresses.AMBASSADOR), new JsonObject()).await(5, TimeUnit.SECONDS).body();
  }

  private static boolean hasProblem(Vertx vertx, String subjectPart, String reasonPart) throws Exception {
    return health(vertx).getJsonArray("problems").stream().map(JsonObject.class::cast)
      .anyMatch(p -> p.getString("subject").contains(subjectPart) && p.getString("reason").contains(reasonPart));
  }



  @Test
  void roundRobinFollowsEndpointsAsTheyComeAndGo(Vertx vertx) throws Exception {
    int a = backend(vertx, "a");
    int b = backend(vertx, "b");
    register("dev", "web", a, "ca", "dev");
    int listen = FreePorts.one();
    deploy(vertx, new JsonObject().put("descriptors", new JsonArray().add("BACKEND_WEB=web[dev];" + listen + "/tcp")));
    Await.until("the listener forwards to a", () -> "a".equals(firstLine(listen)));

    register("dev", "web", b, "cb", "dev");
    Await.until("b takes connections at once", () -> "b".equals(firstLine(listen)));
    List<String> seen = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      seen.add(firstLine(listen));
    }
    assertEquals(2, seen.stream().filter("a"::equals).count(), "round-robin: " + seen);

    // an open connection to a outlives a's removal; new connections go to b only
    try (Socket open = new Socket("127.0.0.1", listen)) {
      open.setSoTimeout(5000);
      InputStream in = open.getInputStream();
      String first = readLine(in);
      String keep = first;
      String other = keep.equals("a") ? "cb" : "ca";
      String kept = keep.equals("a") ? "ca" : "cb";
      delete("/services/dev/web/80/" + (keep.equals("a") ? a : b) + "/" + kept);
      String remaining = keep.equals("a") ? "b" : "a";
      Await.until("new connections avoid the removed endpoint", () -> {
        for (int i = 0; i < 3; i++) {
          if (!remaining.equals(firstLine(listen))) {
            return false;
          }
        }
        return true;
      });
      OutputStream out = open.getOutputStream();
      out.write("still here\n".getBytes(StandardCharsets.UTF_8));
      out.flush();
      assertEquals("still here", readLine(in), "the open connection to " + keep + " goes on (other: " + other + ")");
    }
    JsonObject listed = descriptors(vertx).getJsonArray("descriptors").getJsonObject(0);
    assertEquals("web[dev];" + listen + "/tcp", listed.getString("spec"));
    assertEquals("tcp://127.0.0.1:" + listen, listed.getString("listener"));
    assertEquals(1, listed.getJsonArray("endpoints").size());
  }


  @Test
  void withoutEndpointsConnectionsAreRefusedAtOnceAndHealthSaysWhich(Vertx vertx) throws Exception {
    int listen = FreePorts.one();
    deploy(vertx, new JsonObject().put("descriptors", new JsonArray().add("BACKEND_DB=db[prod];" + listen)));
    Await.until("a health entry naming the descriptor", () -> hasProblem(vertx, "db[prod];" + listen + "/tcp", "no healthy endpoint"));
    long t0 = System.nanoTime();
    assertEquals(null, firstLine(listen), "closed, not hung");
    assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(2));
    int c = backend(vertx, "c");
    register("prod", "db", c, "cc", "prod");
    Await.until("the endpoint arrives", () -> "c".equals(firstLine(listen)));
    Await.until("the health entry clears", () -> !hasProblem(vertx, "db[prod]", "no healthy endpoint"));
  }

  @Test
  void leastConnectionsPrefersTheIdleEndpoint(Vertx vertx) throws Exception {
    int a = backend(vertx, "a");
    int b = backend(vertx, "b");
    register("dev", "api", a, "ca");
    register("dev", "api", b, "cb");
    int listen = FreePorts.one();
    deploy(vertx, new JsonObject().put("balance", "least-connections")
      .put("descriptors", new JsonArray().add("BACKEND_API=api;" + listen + "/tcp")));
    Await.until("both endpoints known", () -> descriptors(vertx).getJsonArray("descriptors").getJsonObject(0).getJsonArray("endpoints").size() == 2);
    try (Socket held = new Socket("127.0.0.1", listen)) {
      held.setSoTimeout(5000);
      String busy = readLine(held.getInputStream());
      for (int i = 0; i < 3; i++) {
        // only the held connection open (the last short one's close has been seen), then one more
        Await.until("only the held connection counted", () -> descriptors(vertx).getJsonArray("descriptors").getJsonObject(0).getInteger("active") == 1);
        assertTrue(!busy.equals(firstLine(listen)), "every new connection goes to the idle endpoint");
      }
    }
  }

  @Test
  void udpDatagramsAreForwardedAndRepliesComeBack(Vertx vertx) throws Exception {
    var echo = vertx.createDatagramSocket();
    echo.handler(p -> echo.send(Buffer.buffer("echo:").appendBuffer(p.data()), p.sender().port(), p.sender().host()));
    int echoPort = echo.listen(0, "127.0.0.1").await().localAddress().port();
    register("dev", "dns", echoPort, "cd", "dev");
    int listen = FreePorts.one();
    deploy(vertx, new JsonObject().put("descriptors", new JsonArray().add("BACKEND_DNS=dns[dev];" + listen + "/udp")));
    Await.until("the endpoint is known", () -> descriptors(vertx).getJsonArray("descriptors").getJsonObject(0).getJsonArray("endpoints").size() == 1);
    try (DatagramSocket socket = new DatagramSocket()) {
      socket.setSoTimeout(5000);
      byte[] query = "ping".getBytes(StandardCharsets.UTF_8);
      socket.send(new DatagramPacket(query, query.length, InetAddress.getLoopbackAddress(), listen));
      DatagramPacket reply = new DatagramPacket(new byte[64], 64);
      socket.receive(reply);
      assertEquals("echo:ping", new String(reply.getData(), 0, reply.getLength(), StandardCharsets.UTF_8));
    }
    echo.close();
  }

  @Test
  void badInputIsReportedAndEverythingElseWorks(Vertx vertx) throws Exception {
    int a = backend(vertx, "a");
    register("dev", "web", a, "ca");
    put("/services/dev/web/80/1/broken", "{\"host_port\":\"1\"}");
    put("/services/dev/web/80/2/notjson", "<html>");
    int taken;
    try (ServerSocket occupied = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      taken = occupied.getLocalPort();
      int listen = FreePorts.one();
      deploy(vertx, new JsonObject().put("descriptors", new JsonArray()
        .add("BACKEND_BAD=web[dev;80/tcp")
        .add("BACKEND_TAKEN=web;" + taken + "/tcp")
        .add("BACKEND_WEB=web;" + listen + "/tcp")));
      Await.until("the good descriptor works", () -> "a".equals(firstLine(listen)));
      Await.until("every bad input has its entry", () -> hasProblem(vertx, "BACKEND_BAD", "brackets")
        && hasProblem(vertx, "web;" + taken + "/tcp", "cannot listen")
        && hasProblem(vertx, "/services/dev/web/80/1/broken", "ipaddress")
        && hasProblem(vertx, "/services/dev/web/80/2/notjson", "not JSON"));
    }
    Await.until("the port, once free, is taken on the next retry", () -> !hasProblem(vertx, "web;" + taken + "/tcp", "cannot listen"));
    assertEquals("a", firstLine(taken));
  }

  @Test
  void aConsumerJoinedToTheAmbassadorGetsItsListenersAndLosesThemWhenItGoes(Vertx vertx) throws Exception {
    int a = backend(vertx, "a");
    register("dev", "web", a, "ca", "dev");
    deploy(vertx, new JsonObject().put("containers", new JsonArray().add("pharos-ambassador")));
    int listen = FreePorts.one();
    Container ambassador = new Container("aaaa000000000000", "pharos-ambassador", "busybox", Map.of(), List.of(), "host", "aaaa", Map.of());
    Container consumer = new Container("cccc000000000000", "consumer", "busybox", Map.of(), List.of(),
      "container:aaaa000000000000", "cccc", Map.of("BACKEND_WEB", "web[dev];" + listen + "/tcp", "BACKEND_ODD", "web;99999", "PATH", "/bin"));
    Container stranger = new Container("dddd000000000000", "stranger", "busybox", Map.of(), List.of(),
      "bridge", "dddd", Map.of("BACKEND_WEB", "web;" + FreePorts.one()));
    JsonObject host = new Host("h1", "127.0.0.1").toJson();
    vertx.eventBus().publish(Addresses.CONTAINERS, new JsonObject().put("type", "snapshot").put("host", host)
      .put("containers", new JsonArray().add(ambassador.toJson()).add(stranger.toJson())));
    vertx.eventBus().publish(Addresses.CONTAINERS, new JsonObject().put("type", "up").put("host", host).put("container", consumer.toJson()));
    Await.until("the consumer's listener", () -> "a".equals(firstLine(listen)));
    assertEquals(1, descriptors(vertx).getJsonArray("descriptors").size(), "a container not joined gets nothing");
    assertTrue(hasProblem(vertx, "container consumer BACKEND_ODD", "out of range"));
    vertx.eventBus().publish(Addresses.CONTAINERS, new JsonObject().put("type", "down").put("host", host).put("container", consumer.toJson()));
    Await.until("the listener is closed", () -> descriptors(vertx).getJsonArray("descriptors").isEmpty());
    assertTrue(!hasProblem(vertx, "BACKEND_ODD", ""), "its problems went with it");
  }
}
