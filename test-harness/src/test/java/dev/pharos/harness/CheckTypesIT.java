package dev.pharos.harness;

import dev.pharos.checks.CheckContext;
import dev.pharos.checks.CheckTypes;
import dev.pharos.health.impl.CheckRunner;
import dev.pharos.health.impl.ServiceWatch;
import dev.pharos.model.Definition;
import dev.pharos.model.DefinitionParser;
import dev.pharos.model.Instance;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Nerve's check types against the real servers of Debian's packages (test-harness/check-servers.sh):
 * up while the server answers, down once {@code fall} rounds in a row failed after it stopped, up
 * again once {@code rise} rounds passed after it came back; and never up with a wrong password.
 */
class CheckTypesIT {

  private static Vertx vertx;
  private static CheckRunner runner;

  /** One transition of a watch: up or down, and its check's streak counters at that moment. */
  private record Transition(boolean up, String reason, long passesInARow, long failuresInARow) {
  }

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    runner = new CheckRunner(new CheckContext(vertx, i -> null), new SimpleMeterRegistry());
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  private static String[] server(String variable) {
    return Harness.required(variable).split(":");
  }

  private static Definition definition(String check) throws Exception {
    return DefinitionParser.parse("dev", "checked", 1, ("{\"nerve\": {\"check_interval\": 0.1, \"checks\": [" + check + "]}}")
      .getBytes(StandardCharsets.UTF_8), CheckTypes.standard());
  }

  /** Starts a watch of the server's address and returns its transitions as they happen. */
  private static BlockingQueue<Transition> watch(String host, int port, Definition definition, ServiceWatch[] holder) {
    Instance instance = new Instance("h1-" + System.nanoTime(), "dev", "checked", "h1", "c1", host, port, new JsonObject(), new JsonObject());
    BlockingQueue<Transition> transitions = new LinkedBlockingQueue<>();
    vertx.runOnContext(v -> {
      holder[0] = new ServiceWatch(vertx, runner, instance, definition, (w, reason) -> {
        JsonObject check = w.toJson().getJsonArray("checks").getJsonObject(0);
        transitions.add(new Transition(w.up(), reason, check.getLong("passesInARow"), check.getLong("failuresInARow")));
      });
      holder[0].start();
    });
    return transitions;
  }

  private static Transition next(BlockingQueue<Transition> transitions, String what) throws InterruptedException {
    Transition t = transitions.poll(60, TimeUnit.SECONDS);
    assertNotNull(t, what);
    return t;
  }

  private static void servers(String action, String server) throws Exception {
    Path script = Path.of(System.getProperty("user.dir")).resolve("check-servers.sh");
    Process p = new ProcessBuilder("bash", script.toString(), action, server).inheritIO().start();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), action + " " + server + " did not finish");
    assertEquals(0, p.exitValue(), action + " " + server + " failed");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
    redis      | PHAROS_TEST_REDIS    | redis    | {"type": "redis", "timeout": 2, "rise": 3, "fall": 2}
    mysql      | PHAROS_TEST_MYSQL    | mariadb  | {"type": "mysql", "dbname": "pharos", "user": "pharos", "password": "pharos-secret", "timeout": 2, "rise": 3, "fall": 2}
    postgresql | PHAROS_TEST_POSTGRES | postgres | {"type": "postgresql", "dbname": "pharos", "user": "pharos", "password": "pharos-secret", "timeout": 2, "rise": 3, "fall": 2}
    rabbitmq   | PHAROS_TEST_RABBITMQ | rabbitmq | {"type": "rabbitmq", "timeout": 2, "rise": 3, "fall": 2}
    """)
  void upWhileTheServerAnswersDownAfterFallAndUpAfterRise(String type, String variable, String server, String check) throws Exception {
    String[] address = server(variable);
    ServiceWatch[] watch = new ServiceWatch[1];
    BlockingQueue<Transition> transitions = watch(address[0], Integer.parseInt(address[1]), definition(check), watch);
    try {
      Transition first = next(transitions, type + " up");
      assertTrue(first.up(), type + " up while its server answers: " + first.reason());

      servers("pause", server);
      Transition down;
      try {
        down = next(transitions, type + " down after its server stopped");
      } finally {
        servers("resume", server);
      }
      assertEquals(false, down.up(), down.reason());
      assertEquals(2, down.failuresInARow(), "down at the fall-th failure in a row: " + down);

      Transition again = next(transitions, type + " up again");
      assertTrue(again.up(), again.reason());
      assertEquals(3, again.passesInARow(), "up at the rise-th pass in a row: " + again);
    } finally {
      vertx.runOnContext(v -> watch[0].stop());
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
    mysql      | PHAROS_TEST_MYSQL    | {"type": "mysql", "dbname": "pharos", "user": "pharos", "password": "wrong", "timeout": 2}                 | Access denied
    postgresql | PHAROS_TEST_POSTGRES | {"type": "postgresql", "dbname": "pharos", "user": "pharos", "password": "wrong", "timeout": 2}            | password authentication failed
    rabbitmq   | PHAROS_TEST_RABBITMQ | {"type": "rabbitmq", "username": "guest", "password": "wrong", "timeout": 2}                               | 403 ACCESS_REFUSED
    redis      | PHAROS_TEST_REDIS    | {"type": "redis", "db": 99, "timeout": 2}                                                                  | DB index is out of range
    """)
  void aWrongLoginIsDownWithTheServersReason(String type, String variable, String check, String reason) throws Exception {
    String[] address = server(variable);
    ServiceWatch[] watch = new ServiceWatch[1];
    BlockingQueue<Transition> transitions = watch(address[0], Integer.parseInt(address[1]), definition(check), watch);
    try {
      Transition first = next(transitions, type + " judged");
      assertEquals(false, first.up(), first.reason());
      assertTrue(first.reason().contains(reason), type + ": " + first.reason());
    } finally {
      vertx.runOnContext(v -> watch[0].stop());
    }
  }
}
