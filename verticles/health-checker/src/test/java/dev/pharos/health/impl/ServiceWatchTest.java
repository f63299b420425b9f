package dev.pharos.health.impl;

import dev.pharos.testing.EventLoopGuard;
import dev.pharos.checks.CheckContext;
import dev.pharos.checks.CheckTypes;
import dev.pharos.model.Definition;
import dev.pharos.model.DefinitionParser;
import dev.pharos.model.Instance;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A watch's first result, for a new instance and for one taken over from another checker. */
@ExtendWith(EventLoopGuard.class)
class ServiceWatchTest {

  private static int closedPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort(); // nothing listens once it is closed
    }
  }

  private static Definition tcp() throws Exception {
    return DefinitionParser.parse("dev", "web", 1,
      "{\"nerve\":{\"check_interval\":0.05,\"checks\":[{\"type\":\"tcp\",\"timeout\":0.2}]}}".getBytes(),
      CheckTypes.standard());
  }

  /** Runs a watch of a dead port until its first reported transition; returns the rounds it had then. */
  private static long roundsAtFirstDown(Vertx vertx, boolean adopted) throws Exception {
    CheckRunner runner = new CheckRunner(new CheckContext(vertx, i -> null), new SimpleMeterRegistry());
    int port = closedPort();
    Instance instance = new Instance("h1-aaa", "dev", "web", "h1", "c1", "127.0.0.1", port, new JsonObject(), new JsonObject());
    List<Long> roundsAtTransition = new CopyOnWriteArrayList<>();
    CountDownLatch down = new CountDownLatch(1);
    Definition definition = tcp();
    vertx.runOnContext(v -> {
      ServiceWatch[] watch = new ServiceWatch[1];
      watch[0] = new ServiceWatch(vertx, runner, instance, definition, (w, reason) -> {
        roundsAtTransition.add(w.toJson().getLong("rounds"));
        w.stop();
        down.countDown();
      }, adopted);
      watch[0].start();
    });
    assertTrue(down.await(10, TimeUnit.SECONDS), "reported down");
    return roundsAtTransition.get(0);
  }

  @Test
  void aNewInstanceIsDownAfterItsFirstFailedRound(Vertx vertx) throws Exception {
    assertEquals(1, roundsAtFirstDown(vertx, false));
  }

  @Test
  void anAdoptedInstanceIsDownOnlyWhenASecondRoundConfirmsIt(Vertx vertx) throws Exception {
    assertEquals(2, roundsAtFirstDown(vertx, true));
  }

  /** A crashed checker's instance, last reported up, is up at once where it moves; a dead one goes down after two rounds. */
  @Test
  void anAdoptedInstanceLastReportedUpIsUpBeforeItsFirstRound(Vertx vertx) throws Exception {
    CheckRunner runner = new CheckRunner(new CheckContext(vertx, i -> null), new SimpleMeterRegistry());
    Instance instance = new Instance("h1-aaa", "dev", "web", "h1", "c1", "127.0.0.1", closedPort(), new JsonObject(), new JsonObject());
    List<String> transitions = new CopyOnWriteArrayList<>();
    CountDownLatch down = new CountDownLatch(1);
    Definition definition = tcp();
    vertx.runOnContext(v -> {
      ServiceWatch watch = new ServiceWatch(vertx, runner, instance, definition, (w, reason) -> {
        transitions.add(w.up() + " after " + w.toJson().getLong("rounds") + " rounds");
        if (!w.up()) {
          w.stop();
          down.countDown();
        }
      }, true);
      watch.start(true);
    });
    assertTrue(down.await(10, TimeUnit.SECONDS), "reported down");
    assertEquals(List.of("true after 0 rounds", "false after 2 rounds"), transitions);
  }
}
