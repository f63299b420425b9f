package dev.pharos.health.impl;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A checker's snapshot answers: all its watches, or those of the apps and envs asked for. */
class SnapshotAnswersTest {

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private static ServiceWatch watch(String id, String env, String app) throws Exception {
    return NoopWatches.of(id, env, app, "h1");
  }

  /** Watches of host h1, each given as "id env app". */
  private static Watches watches(String... instances) throws Exception {
    Watches watches = new Watches();
    for (String instance : instances) {
      String[] f = instance.split(" ");
      watches.put(watch(f[0], f[1], f[2]));
    }
    return watches;
  }

  private JsonObject ask(JsonObject request) throws Exception {
    return vertx.eventBus().<JsonObject>request("answers", request).await(10, TimeUnit.SECONDS).body();
  }

  private static List<String> ids(JsonObject reply) {
    return reply.getJsonArray("watches").stream().map(w -> ((JsonObject) w).getJsonObject("instance").getString("id"))
      .sorted().toList();
  }

  /** Answers over {@code watches} for a ready checker that owns everything. */
  private static SnapshotAnswers answers(Watches watches) {
    return new SnapshotAnswers(watches, new SnapshotAnswers.Checker() {
      @Override
      public String id() {
        return "checker-1";
      }

      @Override
      public String node() {
        return "n1";
      }

      @Override
      public boolean stopping() {
        return false;
      }

      @Override
      public boolean ready() {
        return true;
      }

      @Override
      public boolean owns(String hostId, String instanceId) {
        return true;
      }

      @Override
      public boolean knowsAllOf(String hostId) {
        return true;
      }
    });
  }

  /** The list of services asks for counts by app, env and state, leaving out drained instances: no watch crosses the bus. */
  @Test
  void aCountsRequestGetsTheWatchesCountedByAppEnvAndState() throws Exception {
    Watches watches = watches("i1 dev web", "i2 dev api", "i3 prod web", "i4 prod web");
    vertx.eventBus().<JsonObject>consumer("answers", answers(watches)::reply).completion().await(10, TimeUnit.SECONDS);

    JsonObject all = ask(new JsonObject().put("counts", true));
    assertEquals(new JsonObject().put("web", new JsonObject().put("dev", new JsonObject().put("checking", 1))
      .put("prod", new JsonObject().put("checking", 2))).put("api", new JsonObject().put("dev", new JsonObject().put("checking", 1))),
      all.getJsonObject("counts"), all.encode());
    assertEquals(null, all.getJsonArray("watches"), "no watch is sent");
    JsonObject drainedLeftOut = ask(new JsonObject().put("counts", true).put("except", new JsonArray().add("i3")).put("apps",
      new JsonArray().add("web")));
    assertEquals(new JsonObject().put("web", new JsonObject().put("dev", new JsonObject().put("checking", 1))
      .put("prod", new JsonObject().put("checking", 1))), drainedLeftOut.getJsonObject("counts"));
    ExecutionException refused = assertThrows(ExecutionException.class, () -> vertx.eventBus()
      .request("answers", new JsonObject().put("counts", "yes")).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS));
    assertTrue(refused.getCause().getMessage().contains("'counts' must be true"), refused.getCause().getMessage());
    ExecutionException badExcept = assertThrows(ExecutionException.class, () -> vertx.eventBus()
      .request("answers", new JsonObject().put("counts", true).put("except", "i3")).toCompletionStage().toCompletableFuture()
      .get(10, TimeUnit.SECONDS));
    assertTrue(badExcept.getCause().getMessage().contains("except: a list of instance ids"), badExcept.getCause().getMessage());
    assertEquals(List.of("checking", "up", "down"), java.util.Arrays.asList(SnapshotAnswers.state(null), SnapshotAnswers.state(true),
      SnapshotAnswers.state(false)));
  }

  @Test
  void aRequestNamingAppsOrEnvsGetsTheirWatchesOnly() throws Exception {
    Watches watches = watches("i1 dev web", "i2 dev api", "i3 prod web");
    SnapshotAnswers answers = answers(watches);
    vertx.eventBus().<JsonObject>consumer("answers", answers::reply).completion().await(10, TimeUnit.SECONDS);

    assertEquals(List.of("i1", "i2", "i3"), ids(ask(new JsonObject())));
    assertEquals(List.of("i1", "i3"), ids(ask(new JsonObject().put("apps", new JsonArray().add("web")))));
    assertEquals(List.of("i1"), ids(ask(new JsonObject().put("apps", new JsonArray().add("web")).put("envs", new JsonArray().add("dev")))));
    ExecutionException refused = assertThrows(ExecutionException.class, () -> vertx.eventBus()
      .request("answers", new JsonObject().put("envs", "dev")).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS));
    assertTrue(refused.getCause().getMessage().contains("envs: "), refused.getCause().getMessage());

    // asked in pages, two entries a page: the first page says there is more, and the pages put together are the whole
    JsonObject first = ask(new JsonObject().put(dev.pharos.bus.PagedReplies.PAGE_SIZE, 2));
    assertEquals(2, first.getJsonArray("watches").size());
    assertEquals(true, first.getBoolean("more"));
    assertEquals(List.of("i1", "i2", "i3"), ids(dev.pharos.bus.PagedReplies.request(vertx, "answers", new JsonObject(), 2,
      new io.vertx.core.eventbus.DeliveryOptions().setSendTimeout(5000)).await(10, TimeUnit.SECONDS)));
  }
}
