package dev.pharos.docker;

import dev.pharos.bus.Addresses;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A docker watcher that has not listed its host's containers refuses a snapshot request: an empty
 * answer would tell a health checker (and through it a registrar) that every container is gone.
 */
class SnapshotBeforeListingTest {

  private Vertx vertx;

  @AfterEach
  void tearDown() throws Exception {
    if (vertx != null) {
      vertx.close().await(20, TimeUnit.SECONDS);
    }
  }

  @Test
  void aWatcherThatHasNotListedRefusesASnapshotAndAnnouncesNone() throws Exception {
    vertx = Vertx.vertx();
    java.util.concurrent.BlockingQueue<JsonObject> facts = new java.util.concurrent.LinkedBlockingQueue<>();
    vertx.eventBus().<JsonObject>consumer(Addresses.CONTAINERS, msg -> facts.add(msg.body())).completion()
      .await(10, TimeUnit.SECONDS);
    // no dockerd behind this socket: the watcher starts and keeps retrying, never having listed
    Path socket = Files.createTempDirectory("pharos-nodocker").resolve("docker.sock");
    JsonObject conf = new JsonObject().put("instanceId", "nolist").put("hostIp", "127.0.0.1").put("node", "nolist")
      .put("docker", new JsonObject().put("host", "unix://" + socket).put("reconnectMinMs", 50));
    vertx.deployVerticle(new DockerWatcherVerticle(), new DeploymentOptions().setConfig(conf)).await(20, TimeUnit.SECONDS);

    // the announce is handled on the watcher's context before the request that follows it
    vertx.eventBus().publish(Addresses.CONTAINERS_ANNOUNCE, new JsonObject());
    ReplyException refused = assertThrows(ReplyException.class, () ->
      vertx.eventBus().<JsonObject>request(Addresses.CONTAINERS_SNAPSHOT, new JsonObject()).await(10, TimeUnit.SECONDS));
    assertEquals(503, refused.failureCode());
    assertTrue(refused.getMessage().contains("not listed"), refused.getMessage());

    // the announce got no snapshot either: a fact published after the refusal is the first heard
    JsonObject marker = new JsonObject().put("type", "marker");
    vertx.eventBus().publish(Addresses.CONTAINERS, marker);
    assertEquals(marker, facts.poll(10, TimeUnit.SECONDS));
  }
}
