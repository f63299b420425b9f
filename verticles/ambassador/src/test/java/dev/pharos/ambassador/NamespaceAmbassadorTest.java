package dev.pharos.ambassador;

import dev.pharos.bus.Addresses;
import dev.pharos.etcd.EtcdClients;
import dev.pharos.etcd.EtcdServer;
import dev.pharos.model.Container;
import dev.pharos.model.Host;
import dev.pharos.testing.Await;
import dev.pharos.testing.EventLoopGuard;
import dev.pharos.testing.FreePorts;
import io.etcd.jetcd.Client;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Listeners in an ambassador container's own network namespace. The namespaces are real ones,
 * made with {@code unshare -n} (so the test runs as root, as Pharos must for this), and the
 * consumers' side of each is reached with {@code nsenter} and curl: from the host's
 * namespace the listeners cannot be seen at all.
 */
@ExtendWith(EventLoopGuard.class)
class NamespaceAmbassadorTest {

  private static final JsonObject HOST = new Host("h1", "127.0.0.1").toJson();

  private EtcdServer etcd;
  private Client client;
  private final List<Process> namespaces = new ArrayList<>();

  @BeforeEach
  void start(@TempDir Path dir, Vertx vertx) throws Exception {
    Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "entering namespaces needs root");
    etcd = EtcdServer.start(dir.resolve("etcd"));
    client = EtcdClients.create(vertx, new JsonObject().put("endpoints", new JsonArray().add(etcd.endpoint())));
  }

  @AfterEach
  void stop(Vertx vertx) throws Exception {
    for (String id : vertx.deploymentIDs()) {
      vertx.undeploy(id).await(20, TimeUnit.SECONDS);
    }
    for (Process p : namespaces) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    if (client != null) {
      client.close();
      etcd.close();
    }
  }

  /** A new network namespace with its loopback up, held by a process; its pid. */
  private int namespace() throws Exception {
    Process p = new ProcessBuilder("unshare", "-n", "sh", "-c", "ip link set lo up && exec sleep 600").start();
    namespaces.add(p);
    int pid = (int) p.pid();
    Await.until("the namespace's loopback up", () -> Files.readString(Path.of("/proc/" + pid + "/comm")).trim().equals("sleep"));
    return pid;
  }

  /** What {@code GET /} on 127.0.0.1:port inside the namespace of {@code pid} (the host's for 0) answers, or null when nothing does. */
  private static String fetchIn(int pid, int port) throws Exception {
    List<String> command = new ArrayList<>(pid == 0 ? List.of() : List.of("nsenter", "--net=/proc/" + pid + "/ns/net"));
    command.addAll(List.of("curl", "-sf", "-m", "5", "http://127.0.0.1:" + port + "/"));
    Process curl = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!curl.waitFor(10, TimeUnit.SECONDS)) {
      curl.destroyForcibly();
      return null;
    }
    return curl.exitValue() == 0 ? out.trim() : null;
  }

  private int backend(Vertx vertx, String name) {
    HttpServer server = vertx.createHttpServer().requestHandler(r -> r.response().end(name));
    return server.listen(0, "127.0.0.1").await().actualPort();
  }

  private void register(String service, int port) throws Exception {
    JsonObject doc = new JsonObject().put("ipaddress", "127.0.0.1").put("host_port", String.valueOf(port)).put("tags", new JsonArray());
    client.getKVClient().put(EtcdClients.bytes("/services/dev/" + service + "/80/" + port + "/c" + port), EtcdClients.bytes(doc.encode()))
      .get(10, TimeUnit.SECONDS);
  }

  private void deploy(Vertx vertx, JsonArray descriptors) throws Exception {
    JsonObject conf = new JsonObject().put("instanceId", "h1").put("hostIp", "127.0.0.1")
      .put("etcd", new JsonObject().put("endpoints", new JsonArray().add(etcd.endpoint())))
      .put("ambassador", new JsonObject().put("containers", new JsonArray().add("amb-one").add("amb-two").add("amb-gone"))
        .put("descriptors", descriptors));
    vertx.deployVerticle(new AmbassadorVerticle(), new DeploymentOptions().setConfig(conf)).await(20, TimeUnit.SECONDS);
  }

  private static Container ambassador(String id, String name, int pid) {
    return new Container(id, name, "busybox", Map.of(), List.of(), "bridge", id.substring(0, 12), Map.of(), Map.of(), null, pid,
      Map.of("bridge", "172.17.0.9"));
  }

  private static Container consumer(String id, String joined, Map<String, String> env) {
    return new Container(id, "consumer-" + id.substring(0, 4), "busybox", Map.of(), List.of(), "container:" + joined,
      id.substring(0, 12), env);
  }

  private static void publish(Vertx vertx, String type, Container container) {
    vertx.eventBus().publish(Addresses.CONTAINERS, new JsonObject().put("type", type).put("host", HOST).put("container", container.toJson()));
  }

  private static JsonArray listed(Vertx vertx) throws Exception {
    return vertx.eventBus().<JsonObject>request(Addresses.DESCRIPTORS, new JsonObject()).await(5, TimeUnit.SECONDS).body()
      .getJsonArray("descriptors");
  }

  private static boolean hasProblem(Vertx vertx, String subject, String reasonPart) throws Exception {
    return vertx.eventBus().<JsonObject>request(Addresses.status(Addresses.AMBASSADOR), new JsonObject()).await(5, TimeUnit.SECONDS)
      .body().getJsonArray("problems").stream().map(JsonObject.class::cast)
      .anyMatch(p -> p.getString("subject").equals(subject) && p.getString("reason").contains(reasonPart));
  }

  private static void refusedOnTheHost(int port) {
    assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", port).close(), "nothing listens on the host's " + port);
  }

  @Test
  void twoAmbassadorNamespacesEachServeTheirOwnServiceOnTheSamePort(Vertx vertx) throws Exception {
    register("redis-a", backend(vertx, "a"));
    register("redis-b", backend(vertx, "b"));
    int one = namespace();
    int two = namespace();
    int port = FreePorts.one();
    deploy(vertx, new JsonArray());
    Container ambOne = ambassador("a1a1a1a1a1a1a1a1", "amb-one", one);
    Container ambTwo = ambassador("a2a2a2a2a2a2a2a2", "amb-two", two);
    vertx.eventBus().publish(Addresses.CONTAINERS, new JsonObject().put("type", "snapshot").put("host", HOST)
      .put("containers", new JsonArray().add(ambOne.toJson()).add(ambTwo.toJson())));
    publish(vertx, "up", consumer("c1c1c1c1c1c1c1c1", ambOne.id(), Map.of("BACKEND_REDIS", "redis-a;" + port)));
    publish(vertx, "up", consumer("c2c2c2c2c2c2c2c2", ambTwo.id(), Map.of("BACKEND_REDIS", "redis-b;" + port)));

    Await.until("the first namespace's localhost:" + port + " reaches a", () -> "a".equals(fetchIn(one, port)));
    Await.until("the second namespace's localhost:" + port + " reaches b", () -> "b".equals(fetchIn(two, port)));
    refusedOnTheHost(port);
    JsonArray listed = listed(vertx);
    assertEquals(2, listed.size(), listed.encodePrettily());
    assertEquals(List.of("amb-one", "amb-two"), listed.stream().map(o -> ((JsonObject) o).getString("namespace")).toList());
    assertEquals("tcp://127.0.0.1:" + port, listed.getJsonObject(0).getString("listener"));
    assertEquals(List.of("container consumer-c1c1"), listed.getJsonObject(0).getJsonArray("consumers").getList());

    // the first ambassador container goes: its namespace's listener closes, the other's goes on
    publish(vertx, "down", ambOne);
    Await.until("only the second namespace's listener is listed", () -> listed(vertx).size() == 1
      && "amb-two".equals(listed(vertx).getJsonObject(0).getString("namespace")));
    assertEquals(null, fetchIn(one, port), "nothing listens in the first namespace any more");
    assertEquals("b", fetchIn(two, port));

    // the second restarts (a new init, so a new namespace): its listener follows
    int restarted = namespace();
    publish(vertx, "up", ambassador(ambTwo.id(), "amb-two", restarted));
    Await.until("the restarted ambassador's namespace reaches b", () -> "b".equals(fetchIn(restarted, port)));
    Await.until("the old namespace's listener closed", () -> fetchIn(two, port) == null);
  }

  @Test
  void udpDatagramsInANamespaceAreForwardedAndRepliesComeBack(Vertx vertx) throws Exception {
    var echo = vertx.createDatagramSocket();
    echo.handler(p -> echo.send(Buffer.buffer("echo:").appendBuffer(p.data()), p.sender().port(), p.sender().host()));
    register("dns", echo.listen(0, "127.0.0.1").await().localAddress().port());
    int ns = namespace();
    int port = FreePorts.one();
    deploy(vertx, new JsonArray());
    Container amb = ambassador("a4a4a4a4a4a4a4a4", "amb-one", ns);
    vertx.eventBus().publish(Addresses.CONTAINERS, new JsonObject().put("type", "snapshot").put("host", HOST)
      .put("containers", new JsonArray().add(amb.toJson())));
    publish(vertx, "up", consumer("c4c4c4c4c4c4c4c4", amb.id(), Map.of("BACKEND_DNS", "dns;" + port + "/udp")));
    Await.until("a datagram sent to the namespace's 127.0.0.1:" + port + " is answered by the endpoint",
      () -> "echo:ping".equals(udpIn(ns, port)));
    assertEquals("udp://127.0.0.1:" + port, listed(vertx).getJsonObject(0).getString("listener"));
    assertEquals("amb-one", listed(vertx).getJsonObject(0).getString("namespace"));
  }

  /** The reply to "ping" sent to 127.0.0.1:port inside the namespace of {@code pid}, or null within 2 s. */
  private static String udpIn(int pid, int port) throws Exception {
    String client = "import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2); "
      + "s.sendto(b'ping', ('127.0.0.1', " + port + ")); print(s.recvfrom(64)[0].decode())";
    Process p = new ProcessBuilder("nsenter", "--net=/proc/" + pid + "/ns/net", "python3", "-c", client).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 ? out.trim() : null;
  }

  @Test
  void aNamespacePharosCannotEnterIsAHealthProblemNamingTheContainerAndTheHostPathWorks(Vertx vertx) throws Exception {
    int w = vertx.createNetServer().connectHandler(socket -> socket.end(Buffer.buffer("w\n"))).listen(0, "127.0.0.1").await().actualPort();
    register("web", w);
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor(10, TimeUnit.SECONDS);
    List<Integer> ports = FreePorts.some(2); // distinct: two picks in a row may repeat
    int hostPort = ports.get(0);
    int port = ports.get(1);
    deploy(vertx, new JsonArray().add("BACKEND_WEB=web;" + hostPort));
    Container ghost = ambassador("a3a3a3a3a3a3a3a3", "amb-gone", (int) gone.pid());
    vertx.eventBus().publish(Addresses.CONTAINERS, new JsonObject().put("type", "snapshot").put("host", HOST)
      .put("containers", new JsonArray().add(ghost.toJson())));
    publish(vertx, "up", consumer("c3c3c3c3c3c3c3c3", ghost.id(), Map.of("BACKEND_WEB", "web;" + port)));

    Await.until("a problem naming the ambassador container", () -> hasProblem(vertx,
      "descriptor web;" + port + "/tcp in namespace amb-gone", "the process is gone"));
    Await.until("the host's listener serves", () -> "w".equals(firstLine(hostPort)));
    assertEquals(List.of("host"), listed(vertx).stream().map(o -> ((JsonObject) o).getString("namespace")).toList());
  }


  /** The first line a connection to the host's 127.0.0.1:port gives, or null. */
  private static String firstLine(int port) {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(5000);
      String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return all.isEmpty() ? null : all.lines().findFirst().orElse(null);
    } catch (IOException e) {
      return null;
    }
  }
}
