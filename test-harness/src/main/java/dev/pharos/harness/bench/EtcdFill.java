package dev.pharos.harness.bench;

import dev.pharos.etcd.EtcdClients;
import dev.pharos.etcd.EtcdServer;
import io.etcd.jetcd.Client;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The etcd half of the scale benchmark's registry: Debian's etcd on loopback, and one service
 * document per registration, as the Docker ambassador's registrator writes it,
 * {@code /services/bench/app-NNNN/80/<port>/etcd-i}, at the registration's own address (so a
 * consumer sees one endpoint per instance, filed by both stores). Puts are asynchronous,
 * {@link RegistryFill#IN_FLIGHT} at most outstanding.
 */
final class EtcdFill implements AutoCloseable {

  private final EtcdServer server;
  private final Vertx vertx = Vertx.vertx();
  private final Client client;
  private final int apps;
  private int written;

  EtcdFill(Path dir, int apps) throws Exception {
    this.apps = apps;
    server = EtcdServer.start(dir.resolve("etcd"));
    client = EtcdClients.create(vertx, conf());
  }

  /** The node's {@code etcd} conf. */
  JsonObject conf() {
    return new JsonObject().put("endpoints", new JsonArray().add(server.endpoint()));
  }

  static String key(int a, int port, String id) {
    return "/services/" + RegistryFill.ENV + "/" + RegistryFill.app(a) + "/80/" + port + "/" + id;
  }

  static String document(int a, String host, int port, String id) {
    return new JsonObject().put("id", id).put("host", "bench").put("ipaddress", host).put("env", RegistryFill.ENV)
      .put("tags", new JsonArray().add(RegistryFill.ENV)).put("name", "/" + id).put("image", "bench")
      .put("hostname", "bench").put("host_port", Integer.toString(port)).put("proto", "tcp").put("port", "80")
      .put("path", key(a, port, id)).encode();
  }

  /** Writes the documents of registrations {@code written..total}, registration i in app i mod apps. @return puts/s */
  double fillTo(int total) throws Exception {
    long start = System.nanoTime();
    int from = written;
    Semaphore slots = new Semaphore(RegistryFill.IN_FLIGHT);
    AtomicReference<String> failure = new AtomicReference<>();
    for (int i = from; i < total; i++) {
      if (!slots.tryAcquire(60, TimeUnit.SECONDS)) {
        throw new IllegalStateException("etcd answered no put for 60 s");
      }
      String id = "etcd-" + i;
      int a = i % apps;
      String key = key(a, RegistryFill.port(i), id);
      client.getKVClient().put(EtcdClients.bytes(key), EtcdClients.bytes(document(a, RegistryFill.host(i), RegistryFill.port(i), id)))
        .whenComplete((ok, err) -> {
          if (err != null) {
            failure.compareAndSet(null, key + ": " + err.getMessage());
          }
          slots.release();
        });
    }
    if (!slots.tryAcquire(RegistryFill.IN_FLIGHT, 120, TimeUnit.SECONDS)) {
      throw new IllegalStateException("etcd puts still outstanding after 120 s");
    }
    if (failure.get() != null) {
      throw new IllegalStateException("a put failed: " + failure.get());
    }
    written = total;
    return (total - from) / ((System.nanoTime() - start) / 1e9);
  }

  /** One more document in app {@code a}, written now and acknowledged. @return its key */
  String add(int a, String id, String host, int port) throws Exception {
    String key = key(a, port, id);
    client.getKVClient().put(EtcdClients.bytes(key), EtcdClients.bytes(document(a, host, port, id))).get(10, TimeUnit.SECONDS);
    return key;
  }

  void remove(String key) throws Exception {
    client.getKVClient().delete(EtcdClients.bytes(key)).get(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws Exception {
    client.close();
    vertx.close().await(10, TimeUnit.SECONDS);
    server.close();
  }
}
