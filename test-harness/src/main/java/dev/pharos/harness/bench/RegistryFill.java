package dev.pharos.harness.bench;

import dev.pharos.zookeeper.ZooKeeperClients;
import io.vertx.core.json.JsonObject;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The registry the scale benchmark serves: {@code apps} services with a Nerve definition each at
 * {@code /env/bench/sd/app-NNNN}, and registrations spread evenly over them as Nerve writes them,
 * ephemeral-sequential znodes {@code /env/bench/sd/app-NNNN/sd/bench-i_NNNNNNNNNN} holding
 * {@code {"host":"127.0.x.y","port":p,"name":...}}, all of one writer session (as one Nerve per
 * host would hold its own; one session keeps the benchmark's ZooKeeper connections to one).
 * Writes are Curator background calls, {@link #IN_FLIGHT} at most outstanding.
 */
final class RegistryFill implements AutoCloseable {

  static final String ENV = "bench";
  static final int IN_FLIGHT = 1000;
  private static final String DEFINITION = new JsonObject().put("nerve", new JsonObject().put("check_interval", 5)
    .put("checks", new io.vertx.core.json.JsonArray().add(new JsonObject().put("type", "tcp")))).encode();

  private final CuratorFramework zk;
  private final int apps;
  private int registered;

  RegistryFill(String connect, int apps) throws Exception {
    this.apps = apps;
    zk = ZooKeeperClients.start(new JsonObject().put("connect", connect).put("sessionTimeoutMs", 20_000));
    if (!zk.blockUntilConnected(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException("the writer could not reach ZooKeeper at " + connect);
    }
  }

  CuratorFramework zk() {
    return zk;
  }

  int registered() {
    return registered;
  }

  static String app(int a) {
    return String.format(Locale.ROOT, "app-%04d", a);
  }

  static String appPath(int a) {
    return "/env/" + ENV + "/sd/" + app(a);
  }

  /** Instance {@code i}'s address: one of 64,516 loopback addresses 127.0.x.y (x, y 1..254), then the next port. */
  static String host(int i) {
    return "127.0." + (1 + i / 254 % 254) + "." + (1 + i % 254);
  }

  static int port(int i) {
    return 20_000 + i / (254 * 254);
  }

  static byte[] nerve(String host, int port, String name) {
    return new JsonObject().put("host", host).put("port", port).put("name", name).encode().getBytes(StandardCharsets.UTF_8);
  }

  /** Every app's definition and its {@code sd} parent, persistent (as an operator writes definitions). @return writes/s */
  double definitions() throws Exception {
    long start = System.nanoTime();
    zk.create().creatingParentsIfNeeded().forPath("/env/" + ENV + "/sd");
    Writes writes = new Writes();
    for (int a = 0; a < apps; a++) {
      writes.create(appPath(a), DEFINITION.getBytes(StandardCharsets.UTF_8), CreateMode.PERSISTENT);
    }
    writes.await();
    for (int a = 0; a < apps; a++) {
      writes.create(appPath(a) + "/sd", new byte[0], CreateMode.PERSISTENT);
    }
    writes.await();
    return 2.0 * apps / ((System.nanoTime() - start) / 1e9);
  }

  /** Registers instances until there are {@code total}, instance i in app i mod apps. @return writes/s */
  double fillTo(int total) throws Exception {
    long start = System.nanoTime();
    int from = registered;
    Writes writes = new Writes();
    for (int i = from; i < total; i++) {
      String name = "bench-" + i;
      writes.create(appPath(i % apps) + "/sd/" + name + "_", nerve(host(i), port(i), name), CreateMode.EPHEMERAL_SEQUENTIAL);
    }
    writes.await();
    registered = total;
    return (total - from) / ((System.nanoTime() - start) / 1e9);
  }

  /** One more registration in app {@code a}, written now and acknowledged. @return its path */
  String add(int a, String name, String host, int port) throws Exception {
    return zk.create().withMode(CreateMode.EPHEMERAL_SEQUENTIAL).forPath(appPath(a) + "/sd/" + name + "_", nerve(host, port, name));
  }

  void remove(String path) throws Exception {
    zk.delete().forPath(path);
  }

  /** Background creates with a bound on those outstanding; the first failure fails {@link #await}. */
  private final class Writes {
    private final Semaphore slots = new Semaphore(IN_FLIGHT);
    private final AtomicReference<String> failure = new AtomicReference<>();

    void create(String path, byte[] data, CreateMode mode) throws Exception {
      if (!slots.tryAcquire(60, TimeUnit.SECONDS)) {
        throw new IllegalStateException("ZooKeeper answered no write for 60 s");
      }
      zk.create().withMode(mode).inBackground((client, event) -> {
        if (event.getResultCode() != 0) {
          failure.compareAndSet(null, event.getPath() + ": result " + event.getResultCode());
        }
        slots.release();
      }).forPath(path, data);
    }

    void await() throws Exception {
      if (!slots.tryAcquire(IN_FLIGHT, 120, TimeUnit.SECONDS)) {
        throw new IllegalStateException("writes still outstanding after 120 s");
      }
      slots.release(IN_FLIGHT);
      if (failure.get() != null) {
        throw new IllegalStateException("a write failed: " + failure.get());
      }
    }
  }

  @Override
  public void close() {
    zk.close();
  }
}
