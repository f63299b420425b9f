package dev.pharos.serfbridge;

import dev.pharos.testing.EventLoopGuard;
import dev.pharos.bus.Addresses;
import dev.pharos.serf.SerfAgent;
import dev.pharos.serf.SerfRpcClient;
import dev.pharos.testing.Await;
import dev.pharos.testing.StageProblems;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** How the bridge writes config files: in order per file, the newest winning, and a failed write kept until it succeeds. */
@ExtendWith(EventLoopGuard.class)
class SerfBridgeWritesTest {

  private static byte[] config(String key, long v) {
    return new JsonObject().put("p", "product1").put("k", key).put("v", v).put("c", new JsonObject().put("v", v)).encode()
      .getBytes(StandardCharsets.UTF_8);
  }

  private static JsonObject details(Vertx vertx) throws Exception {
    return vertx.eventBus().<JsonObject>request(Addresses.status(Addresses.SERF_BRIDGE), new JsonObject())
      .await(10, TimeUnit.SECONDS).body().getJsonObject("details");
  }

  private static void deploy(Vertx vertx, SerfAgent agent, Path dir) throws Exception {
    vertx.deployVerticle(new SerfBridgeVerticle(), new DeploymentOptions().setConfig(new JsonObject().put("instanceId", "h1")
      .put("serf", new JsonObject().put("rpc", "127.0.0.1:" + agent.rpcPort()).put("confDir", dir.resolve("conf").toString())
        .put("configsDir", dir.resolve("configs").toString())))).await(20, TimeUnit.SECONDS);
    Await.until("the bridge following the agent", () -> details(vertx).getString("node") != null);
  }

  /**
   * v12 and v13 of a key arriving together: each write ran on whichever worker was free, and v12
   * could be renamed over v13. Many keys at once, in both orders; once every event was handled,
   * each file holds v13.
   */
  @Test
  void v13WinsOverV12ArrivingTogether(@TempDir Path dir, Vertx vertx) throws Exception {
    try (SerfAgent a = SerfAgent.start("node-w", Map.of(), null, null, dir.resolve("w.log"));
         SerfRpcClient client = SerfRpcClient.connect(vertx, "127.0.0.1", a.rpcPort(), null).await(10, TimeUnit.SECONDS)) {
      deploy(vertx, a, dir);
      int keys = 100;
      List<Future<Void>> sent = new ArrayList<>();
      for (int i = 0; i < keys; i++) {
        long first = i % 2 == 0 ? 13 : 12;
        sent.add(client.event("config_updated", config("k" + i, first), false));
        sent.add(client.event("config_updated", config("k" + i, 25 - first), false));
      }
      Future.all(sent).await(20, TimeUnit.SECONDS);
      Await.until("every event handled, stored or ignored", () -> {
        JsonObject d = details(vertx);
        return d.getLong("configsStored", 0L) + d.getLong("configsIgnored", 0L) == 2L * keys;
      });
      List<String> older = new ArrayList<>();
      for (int i = 0; i < keys; i++) {
        long onDisk = new JsonObject(Files.readString(dir.resolve("configs/product1/k" + i + ".json"))).getLong("_version");
        if (onDisk != 13) {
          older.add("k" + i + " holds v" + onDisk);
        }
      }
      assertEquals(List.of(), older, "the newest version on disk for every key");
    }
  }

  /** A file that cannot be written is a problem naming its path, kept and retried, cleared once written. */
  @Test
  void aFailedWriteIsReportedKeptAndClearedWhenItSucceeds(@TempDir Path dir, Vertx vertx) throws Exception {
    try (SerfAgent a = SerfAgent.start("node-f", Map.of(), null, null, dir.resolve("f.log"));
         SerfRpcClient client = SerfRpcClient.connect(vertx, "127.0.0.1", a.rpcPort(), null).await(10, TimeUnit.SECONDS)) {
      deploy(vertx, a, dir);
      Path blocker = dir.resolve("configs/product1");
      Files.createDirectories(blocker.getParent());
      Files.writeString(blocker, "a file where the product's directory goes"); // as a full disk would, the write fails
      Path file = blocker.resolve("security.json");
      client.event("config_updated", config("security", 5), false).await(10, TimeUnit.SECONDS);
      Await.until("the failure on /v1/health, naming the path", () -> StageProblems.has(vertx, Addresses.SERF_BRIDGE,
        "write " + file, "cannot write " + file));

      Files.delete(blocker);
      Await.until("the kept v5 written by a retry", () -> Files.exists(file)
        && new JsonObject(Files.readString(file)).getLong("_version") == 5);
      Await.until("the problem cleared", () -> !StageProblems.has(vertx, Addresses.SERF_BRIDGE, "write " + file, ""));
    }
  }

  /**
   * The disk holding the configs full (a 64 KiB tmpfs filled up): v5 and then v6 cannot be
   * written and the failure names the path; once there is room again, v6, the newest, is on disk
   * and the problem is gone. Needs root (mount); skipped, saying so, without it.
   */
  @Test
  void aFullDiskKeepsTheNewestConfigUntilThereIsRoom(@TempDir Path dir, Vertx vertx) throws Exception {
    Path configs = Files.createDirectories(dir.resolve("configs"));
    Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", configs.toString())
      .redirectErrorStream(true).start();
    org.junit.jupiter.api.Assumptions.assumeTrue(mount.waitFor(10, TimeUnit.SECONDS) && mount.exitValue() == 0,
      "mounting a tmpfs needs root: " + new String(mount.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    try (SerfAgent a = SerfAgent.start("node-d", Map.of(), null, null, dir.resolve("d.log"));
         SerfRpcClient client = SerfRpcClient.connect(vertx, "127.0.0.1", a.rpcPort(), null).await(10, TimeUnit.SECONDS)) {
      deploy(vertx, a, dir);
      Files.createDirectories(configs.resolve("product1"));
      Path filler = configs.resolve("filler");
      try (var out = Files.newOutputStream(filler)) {
        byte[] block = new byte[1024];
        while (true) {
          out.write(block);
          out.flush();
        }
      } catch (java.io.IOException full) {
        // no space left: the disk is full
      }
      Path file = configs.resolve("product1/security.json");
      client.event("config_updated", config("security", 5), false).await(10, TimeUnit.SECONDS);
      Await.until("the failure on /v1/health, naming the path", () -> StageProblems.has(vertx, Addresses.SERF_BRIDGE,
        "write " + file, "cannot write " + file));
      client.event("config_updated", config("security", 6), false).await(10, TimeUnit.SECONDS);
      Await.until("v6 kept as the one to write", () -> StageProblems.has(vertx, Addresses.SERF_BRIDGE,
        "write " + file, "v6 kept"));

      long roomAt = System.nanoTime();
      Files.delete(filler);
      Await.until("v6, the newest, written once there is room", () -> Files.exists(file)
        && new JsonObject(Files.readString(file)).getLong("_version") == 6);
      System.out.printf("full disk: v6 on disk %.2f s after there was room%n", (System.nanoTime() - roomAt) / 1e9);
      Await.until("the problem cleared", () -> !StageProblems.has(vertx, Addresses.SERF_BRIDGE, "write " + file, ""));
    } finally {
      new ProcessBuilder("umount", "-l", configs.toString()).start().waitFor(10, TimeUnit.SECONDS);
    }
  }

  /**
   * The bridge's serf agent killed (SIGKILL) under 100 config events a second and started again:
   * the bridge says so on /v1/health while the agent is gone, follows the new agent, and the
   * newest version sent after the restart is the one on disk. Events sent to a dead agent are
   * lost by serf itself (its events are not stored), so only later versions can count.
   */
  @Test
  void anAgentKilledUnderLoadIsFollowedAgainAndTheNewestConfigWins(@TempDir Path dir, Vertx vertx) throws Exception {
    try (SerfAgent a = SerfAgent.start("node-k", Map.of(), null, null, dir.resolve("k.log"))) {
      deploy(vertx, a, dir);
      Path file = dir.resolve("configs/product1/load.json");
      long[] version = {0};
      SerfRpcClient[] client = {SerfRpcClient.connect(vertx, "127.0.0.1", a.rpcPort(), null).await(10, TimeUnit.SECONDS)};
      long timer = vertx.setPeriodic(10, t -> {
        if (client[0] != null) {
          client[0].event("config_updated", config("load", ++version[0]), false); // a dead agent's refusals are expected
        }
      });
      try {
        Await.until("the load arriving", () -> Files.exists(file));
        SerfRpcClient old = client[0];
        client[0] = null;
        old.close();
        a.kill();
        Await.until("the lost agent on /v1/health", () -> StageProblems.has(vertx, Addresses.SERF_BRIDGE, "serf agent", ""));
        long relaunchedAt = System.nanoTime();
        a.relaunch();
        Await.until("the bridge following the restarted agent, nothing left on /v1/health",
          () -> !StageProblems.has(vertx, Addresses.SERF_BRIDGE, "serf agent", "") && details(vertx).getLong("configsStored", 0L) > 0);
        System.out.printf("serf agent killed: followed again %.2f s after it was started again%n",
          (System.nanoTime() - relaunchedAt) / 1e9);
        client[0] = SerfRpcClient.connect(vertx, "127.0.0.1", a.rpcPort(), null).await(10, TimeUnit.SECONDS);
        long after = version[0] + 100;
        Await.until("a second of load after the restart", () -> version[0] >= after);
      } finally {
        vertx.cancelTimer(timer);
      }
      long last = version[0];
      Await.until("the newest version sent on disk", () -> Files.exists(file)
        && new JsonObject(Files.readString(file)).getLong("_version") == last);
      client[0].close();
    }
  }
}
