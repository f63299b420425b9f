package dev.pharos.bus;

import dev.pharos.stage.StageStatus;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;

import java.util.function.Consumer;

/**
 * Snapshot-then-follow, the way every stage starts or moves: ask for a snapshot on a
 * request-reply address until someone answers (the answering stage may start later, or on
 * another node), then apply it; the facts that follow keep it current.
 */
public final class Snapshots {

  public static final long RETRY_MS = 1000;
  private static final DeliveryOptions ASK = new DeliveryOptions().setSendTimeout(5000);

  private Snapshots() {
  }

  /**
   * Asks {@code address} with {@code body} every {@link #RETRY_MS} until answered, then calls
   * {@code apply} on the caller's context. Each unanswered try is a problem on {@code status},
   * cleared by the answer. Timers go with the calling verticle when it is undeployed.
   */
  public static void askUntilAnswered(Vertx vertx, String address, JsonObject body, StageStatus status,
                                      Consumer<JsonObject> apply) {
    String subject = "snapshot " + address;
    vertx.eventBus().<JsonObject>request(address, body, ASK)
      .onSuccess(reply -> {
        status.clear(subject);
        apply.accept(reply.body());
      })
      .onFailure(err -> {
        status.problem(subject, "no answer yet: " + err.getMessage());
        vertx.setTimer(RETRY_MS, t -> askUntilAnswered(vertx, address, body, status, apply));
      });
  }

  /**
   * The same for the docker watchers, whose snapshot is a fact every consumer hears: publishes
   * {@link Addresses#CONTAINERS_ANNOUNCE} every 2 s until {@code seen} says this host's came (a
   * request would reach only one watcher of a cluster of hosts).
   */
  public static void announceUntil(Vertx vertx, java.util.function.BooleanSupplier seen) {
    if (!seen.getAsBoolean()) {
      vertx.eventBus().publish(Addresses.CONTAINERS_ANNOUNCE, new JsonObject());
      vertx.setTimer(2000, t -> announceUntil(vertx, seen));
    }
  }
}
