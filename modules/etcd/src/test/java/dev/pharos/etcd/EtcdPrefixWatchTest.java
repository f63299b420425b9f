package dev.pharos.etcd;

import dev.pharos.testing.EventLoopGuard;
import io.etcd.jetcd.Client;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import dev.pharos.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pull-then-watch against a real etcd, including a restart of the server under it. */
@ExtendWith(EventLoopGuard.class)
class EtcdPrefixWatchTest {

  private EtcdServer etcd;
  private Client client;
  private final List<String> seen = new CopyOnWriteArrayList<>();

  @BeforeEach
  void startEtcd(@TempDir Path dir, Vertx vertx) throws Exception {
    etcd = EtcdServer.start(dir.resolve("etcd"));
    client = EtcdClients.create(vertx, new JsonObject().put("endpoints", new JsonArray().add(etcd.endpoint())));
  }

  @AfterEach
  void stopEtcd() throws Exception {
    client.close();
    etcd.close();
  }

  private void put(String key, String value) throws Exception {
    client.getKVClient().put(EtcdClients.bytes(key), EtcdClients.bytes(value)).get(10, TimeUnit.SECONDS);
  }


  private EtcdPrefixWatch.Listener recorder() {
    return new EtcdPrefixWatch.Listener() {
      @Override
      public void snapshot(Map<String, byte[]> values, long revision) {
        seen.add("snapshot " + values.keySet());
      }

      @Override
      public void put(String key, byte[] value, long revision) {
        seen.add("put " + key + "=" + new String(value, StandardCharsets.UTF_8));
      }

      @Override
      public void delete(String key, long revision) {
        seen.add("delete " + key);
      }

      @Override
      public void failed(Throwable err, long retryMs) {
        seen.add("failed");
      }
    };
  }

  @Test
  void aPullOfMoreKeysThanAPageIsOneSnapshotThenTheWatchFollows(Vertx vertx) throws Exception {
    int keys = EtcdPrefixWatch.PAGE * 2 + 500;
    List<java.util.concurrent.CompletableFuture<?>> puts = new java.util.ArrayList<>();
    for (int i = 0; i < keys; i++) {
      puts.add(client.getKVClient().put(EtcdClients.bytes(String.format("/services/dev/web/80/%05d/x", i)),
        EtcdClients.bytes("v" + i)));
    }
    java.util.concurrent.CompletableFuture.allOf(puts.toArray(new java.util.concurrent.CompletableFuture[0])).get(60, TimeUnit.SECONDS);
    put("/services0", "just past the prefix");
    List<Map<String, byte[]>> snapshots = new CopyOnWriteArrayList<>();
    EtcdPrefixWatch watch = new EtcdPrefixWatch(client, vertx.getOrCreateContext(), "/services/", new EtcdPrefixWatch.Listener() {
      @Override
      public void snapshot(Map<String, byte[]> values, long revision) {
        snapshots.add(values);
      }

      @Override
      public void put(String key, byte[] value, long revision) {
        seen.add("put " + key);
      }

      @Override
      public void delete(String key, long revision) {
      }

      @Override
      public void failed(Throwable err, long retryMs) {
        seen.add("failed " + err);
      }
    });
    vertx.runOnContext(v -> watch.start());
    Await.until("the snapshot", () -> !snapshots.isEmpty());
    assertEquals(keys, snapshots.get(0).size(), "every key of every page, none outside the prefix");
    assertEquals("v2499", new String(snapshots.get(0).get("/services/dev/web/80/02499/x"), StandardCharsets.UTF_8));
    put("/services/dev/web/80/99999/y", "later");
    Await.until("the watch from the pull's revision", () -> seen.contains("put /services/dev/web/80/99999/y"));
    assertEquals(1, snapshots.size());
    watch.close();
  }

  @Test
  void pullsThenFollowsAndSurvivesARestartOfEtcd(Vertx vertx) throws Exception {
    put("/services/dev/web/80/1/a", "1");
    put("/elsewhere", "x");
    EtcdPrefixWatch watch = new EtcdPrefixWatch(client, vertx.getOrCreateContext(), "/services/", recorder());
    vertx.runOnContext(v -> watch.start());
    Await.until("the snapshot", () -> seen.contains("snapshot [/services/dev/web/80/1/a]"));
    put("/services/dev/web/80/2/b", "2");
    client.getKVClient().delete(EtcdClients.bytes("/services/dev/web/80/1/a")).get(10, TimeUnit.SECONDS);
    Await.until("the delete", () -> seen.contains("delete /services/dev/web/80/1/a"));
    assertTrue(seen.contains("put /services/dev/web/80/2/b=2"), seen.toString());

    etcd.stop();
    etcd.start();
    put("/services/dev/web/80/3/c", "3");
    // by the resumed watch, or by a new pull's snapshot
    Await.until("a write after the restart", () -> seen.stream().anyMatch(s -> s.contains("/services/dev/web/80/3/c")));
    assertEquals(0, seen.stream().filter(s -> s.contains("/elsewhere")).count(), "only the prefix");
    watch.close();
  }
}
