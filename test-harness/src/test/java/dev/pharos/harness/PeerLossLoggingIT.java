package dev.pharos.harness;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import dev.pharos.bus.Addresses;
import dev.pharos.launcher.Pharos;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static dev.pharos.harness.Harness.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A clustered peer killed with SIGKILL: the surviving node logs it once when it becomes
 * unreachable and once when it leaves, not once per attempt to reach it (Vert.x's event bus tries
 * on every message sent its way, each with a Netty stack trace, until the peer's session expires).
 */
class PeerLossLoggingIT extends EndToEndTest {

  // the harness default: an outage long enough for many attempts to reach the dead peer
  private static final int SESSION_MS = 10_000;

  private JsonObject conf(String node, JsonObject verticles) {
    return harness.conf("peers-" + harness.runId(), new JsonObject().put("node", node)
      .put("zookeeper", new JsonObject().put("sessionTimeoutMs", SESSION_MS))
      .put("cluster", new JsonObject().put("enabled", true).put("host", "127.0.0.1").put("port", 0))
      .put("verticles", verticles));
  }

  private static boolean names(ILoggingEvent event, String peer) {
    if (event.getFormattedMessage().contains(peer)) {
      return true;
    }
    for (IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
      if (t.getMessage() != null && t.getMessage().contains(peer)) {
        return true;
      }
    }
    return false;
  }

  /** A copy of what was logged: the appender appends under its own lock, from any thread. */
  private static List<ILoggingEvent> logged(ListAppender<ILoggingEvent> log) {
    synchronized (log) {
      return List.copyOf(log.list);
    }
  }

  @Test
  void aKilledPeerIsLoggedOncePerStateChangeNotPerAttempt() throws Exception {
    // four stages, each publishing its status every heartbeat: attempts to reach the peer abound
    Pharos survivor = harness.start(conf("survivor", new JsonObject().put("definition-watcher", new JsonObject())
      .put("health-checker", new JsonObject()).put("registrar", new JsonObject()).put("api", new JsonObject())));
    ClusterManager cluster = ((VertxInternal) survivor.vertx()).clusterManager();
    AtomicBoolean peerHeard = new AtomicBoolean();
    survivor.vertx().eventBus().<JsonObject>consumer(Addresses.STATUS, msg -> {
      if ("peer".equals(msg.body().getString("node"))) {
        peerHeard.set(true);
      }
    }).completion().await(10, TimeUnit.SECONDS);

    ListAppender<ILoggingEvent> log = new ListAppender<>();
    log.start();
    ch.qos.logback.classic.Logger root = ((LoggerContext) LoggerFactory.getILoggerFactory())
      .getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.addAppender(log);
    Path work = Files.createTempDirectory("pharos-peers");
    Path file = work.resolve("peer.json");
    Files.writeString(file, conf("peer", new JsonObject().put("api", new JsonObject())).encodePrettily());
    Process peer = Harness.launch(file, work.resolve("peer.log"));
    try {
      await("the peer joined and is heard", Duration.ofSeconds(60), () -> cluster.getNodes().size() == 2 && peerHeard.get());
      String peerId = cluster.getNodes().stream().filter(id -> !id.equals(cluster.getNodeId())).findFirst().orElseThrow();

      peer.destroyForcibly(); // SIGKILL: its bus port refuses, its session lives until ZooKeeper expires it
      assertTrue(peer.waitFor(10, TimeUnit.SECONDS));
      // the last fact of the outage: the cluster manager drops it, and nothing tries it after that
      await("the peer left the cluster", Duration.ofSeconds(SESSION_MS / 1000 + 30), () -> !cluster.getNodes().contains(peerId));

      List<String> noisy = logged(log).stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN) && names(e, peerId))
        .map(e -> e.getLevel() + " " + e.getLoggerName() + " " + e.getFormattedMessage()).toList();
      assertTrue(noisy.size() <= 2, noisy.size() + " warnings about one lost peer:\n" + String.join("\n", noisy));
      await("its leave is logged once", () -> logged(log).stream()
        .filter(e -> e.getFormattedMessage().contains("cluster node " + peerId + " left")).count() == 1);
    } finally {
      root.detachAppender(log);
      peer.destroyForcibly();
    }
  }
}
