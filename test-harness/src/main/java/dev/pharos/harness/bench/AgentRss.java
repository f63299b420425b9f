package dev.pharos.harness.bench;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.model.HostConfig;
import dev.pharos.docker.DockerClients;
import dev.pharos.harness.Harness;
import dev.pharos.zookeeper.ZooKeeperClients;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.curator.framework.CuratorFramework;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An agent node (docker watcher, definition watcher, health checker, registrar, api) launched as
 * {@code deploy/run.sh} does, with {@code count} local containers: {@code --net=host} busybox
 * {@code sleep}s of the test image labelled for 10 apps, each with an {@code sd-port} of one
 * {@link CheckTargets} process, so every instance is tcp-checked every second and registered.
 * Containers are created 8 at a time until {@code count}, 300 s, or 6 GiB of memory left available (the machine is shared),
 * whichever comes first, and all removed at the end. Its ZooKeeper is the ensemble, under a
 * chroot of its own.
 */
final class AgentRss {

  record Result(int asked, int containers, double createSeconds, double healthyMs, double registeredMs, double rssSettled,
                double rssMax, double cpuSeconds, int registered) {
  }

  private static final String LABEL = "pharos-scale-bench";

  private AgentRss() {
  }

  static Result measure(Path dir, String ensemble, int count) throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 8);
    String docker = System.getenv().getOrDefault("PHAROS_TEST_DOCKER", "unix:///var/run/docker.sock");
    int base = freeRange(count);
    Process targets = new ProcessBuilder("java", "-Xmx256m", "-cp", System.getProperty("java.class.path"),
      CheckTargets.class.getName(), Integer.toString(base), Integer.toString(count))
      .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    DockerClient client = DockerClients.create(docker);
    String chroot = "/agent-bench-" + run;
    try (CuratorFramework root = ZooKeeperClients.start(new JsonObject().put("connect", ensemble))) {
      BufferedReader out = new BufferedReader(new InputStreamReader(targets.getInputStream(), StandardCharsets.UTF_8));
      if (!"ready".equals(out.readLine())) {
        throw new IllegalStateException("the check targets did not start");
      }
      root.blockUntilConnected(30, TimeUnit.SECONDS);
      JsonObject definition = new JsonObject().put("nerve", new JsonObject().put("check_interval", 1)
        .put("checks", new JsonArray().add(new JsonObject().put("type", "tcp").put("rise", 1).put("fall", 2))));
      for (int a = 0; a < 10; a++) {
        root.create().creatingParentsIfNeeded().forPath(chroot + "/env/agent/sd/agent-" + a,
          definition.encode().getBytes(StandardCharsets.UTF_8));
      }
      long t0 = System.nanoTime();
      int made = start(client, run, base, count);
      double createSeconds = (System.nanoTime() - t0) / 1e9;
      System.out.printf(Locale.ROOT, "agent: %d of %d containers running after %.0f s%n", made, count, createSeconds);
      JsonObject conf = new JsonObject().put("instanceId", "agent").put("node", "agent").put("hostIp", "127.0.0.1")
        .put("zookeeper", new JsonObject().put("connect", ensemble + chroot))
        .put("docker", new JsonObject().put("host", docker))
        .put("api", new JsonObject().put("host", "127.0.0.1").put("port", Harness.freePort()))
        .put("verticles", new JsonObject().put("docker-watcher", new JsonObject()).put("definition-watcher", new JsonObject())
          .put("health-checker", new JsonObject()).put("registrar", new JsonObject()).put("api", new JsonObject()));
      try (ScaleNode node = ScaleNode.launch(dir, "agent", conf)) {
        double healthy = node.awaitHealthy(Duration.ofSeconds(120));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        int registered = registered(root, chroot);
        while (registered < made && System.nanoTime() < deadline) {
          Thread.sleep(100);
          registered = registered(root, chroot);
        }
        double registeredMs = node.sinceStartMs();
        System.out.printf(Locale.ROOT, "agent: healthy after %.0f ms, %d registered%n", healthy, registered);
        Thread.sleep(20_000); // settled: checks running, every registration made
        double settled = node.rssMib();
        double max = settled;
        for (int i = 0; i < 30; i++) { // a minute of checking, sampled every 2 s
          Thread.sleep(2000);
          max = Math.max(max, node.rssMib());
        }
        return new Result(count, made, createSeconds, healthy, registeredMs, settled, max, node.cpuSeconds(), registered);
      }
    } finally {
      remove(client, run);
      client.close();
      targets.destroy();
      targets.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static int registered(CuratorFramework root, String chroot) throws Exception {
    int n = 0;
    for (int a = 0; a < 10; a++) {
      String parent = chroot + "/env/agent/sd/agent-" + a + "/sd";
      if (root.checkExists().forPath(parent) != null) {
        n += root.getChildren().forPath(parent).size();
      }
    }
    return n;
  }

  /** Creates and starts containers 8 at a time; stops early at 300 s or under 6 GiB available. @return how many run */
  private static int start(DockerClient client, String run, int base, int count) throws Exception {
    AtomicInteger made = new AtomicInteger();
    AtomicInteger next = new AtomicInteger();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    for (int t = 0; t < 8; t++) {
      pool.execute(() -> {
        int k;
        while ((k = next.getAndIncrement()) < count && System.nanoTime() < deadline && availableMib() > 6144) {
          try (CreateContainerCmd create = client.createContainerCmd(Harness.image())) {
            String id = create.withCmd("sleep", "1000000").withHostConfig(HostConfig.newHostConfig().withNetworkMode("host"))
              .withLabels(Map.of(LABEL, run, "sd-name", "agent-" + k % 10, "sd-env", "agent", "sd-port", Integer.toString(base + k)))
              .exec().getId();
            client.startContainerCmd(id).exec();
            made.incrementAndGet();
          } catch (RuntimeException e) {
            System.err.println("agent: container " + k + ": " + e.getMessage());
          }
        }
      });
    }
    pool.shutdown();
    pool.awaitTermination(400, TimeUnit.SECONDS);
    return made.get();
  }

  /** Removes every container of this run, 8 at a time. */
  private static void remove(DockerClient client, String run) throws InterruptedException {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    client.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(LABEL, run)).exec()
      .forEach(c -> pool.execute(() -> {
        try {
          client.removeContainerCmd(c.getId()).withForce(true).exec();
        } catch (RuntimeException e) {
          System.err.println("agent: removing " + c.getId() + ": " + e.getMessage());
        }
      }));
    pool.shutdown();
    pool.awaitTermination(600, TimeUnit.SECONDS);
  }

  /** A base port from which {@code count} ports are free (each tried). */
  private static int freeRange(int count) {
    for (int base = 42_000; base + count < 60_000; base += count + 100) {
      boolean free = true;
      for (int p = base; p < base + count && free; p++) {
        try (ServerSocket s = new ServerSocket(p)) {
          s.setReuseAddress(true);
        } catch (java.io.IOException e) {
          free = false;
        }
      }
      if (free) {
        return base;
      }
    }
    throw new IllegalStateException("no " + count + " consecutive free ports from 42000");
  }

  static long availableMib() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemAvailable:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
        }
      }
    } catch (java.io.IOException e) {
      return 0;
    }
    return 0;
  }
}
