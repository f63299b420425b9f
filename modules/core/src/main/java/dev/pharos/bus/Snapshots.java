package dev.pharos.bus;

import dev.pharos.stage.Backoff;
import dev.pharos.stage.StageStatus;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;

import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Snapshot-then-follow, the way every stage starts or moves: ask for a snapshot on a
 * request-reply address until someone answers (the answering stage may start later, or on
 * another node), then apply it; the facts that follow keep it current.
 */
public final class Snapshots {

  /**
   * The first retry comes soon (a stage of the same node is usually a few ms from answering), the
   * later ones at most a second apart.
   */
  public static final long FIRST_RETRY_MS = 50;
  public static final long RETRY_MS = 1000;
  private static final DeliveryOptions ASK = new DeliveryOptions().setSendTimeout(5000);

  private Snapshots() {
  }

  /**
   * Asks {@code address} with {@code body} until answered, {@link #FIRST_RETRY_MS} after the first
   * try and then twice as long each time up to {@link #RETRY_MS}, then calls
   * {@code apply} on the caller's context. Each unanswered try is a problem on {@code status},
   * cleared by the answer. Timers go with the calling verticle when it is undeployed.
   */
  public static void askUntilAnswered(Vertx vertx, String address, JsonObject body, StageStatus status,
                                      Consumer<JsonObject> apply) {
    askUntilAnswered(vertx, address, body, status, apply, () -> false);
  }

  /**
   * The same, for a snapshot that may also come as a published fact: once {@code heard} says it
   * came that way, asking stops and a late answer is dropped.
   */
  public static void askUntilAnswered(Vertx vertx, String address, JsonObject body, StageStatus status,
                                      Consumer<JsonObject> apply, BooleanSupplier heard) {
    ask(vertx, address, body, 0, status, apply, heard, new Backoff(FIRST_RETRY_MS, RETRY_MS));
  }

  /**
   * The same for an answer that grows with the answerer's share (another checker's up
   * instances): asked in pages of {@code pageSize} ({@link PagedReplies}), applied once whole.
   */
  public static void askInPagesUntilAnswered(Vertx vertx, String address, JsonObject body, int pageSize, StageStatus status,
                                             Consumer<JsonObject> apply, BooleanSupplier heard) {
    ask(vertx, address, body, pageSize, status, apply, heard, new Backoff(FIRST_RETRY_MS, RETRY_MS));
  }

  private static void ask(Vertx vertx, String address, JsonObject body, int pageSize, StageStatus status, Consumer<JsonObject> apply,
                          BooleanSupplier heard, Backoff backoff) {
    String subject = "snapshot " + address;
    if (heard.getAsBoolean()) {
      status.clear(subject);
      return;
    }
    Future<JsonObject> answer = pageSize > 0 ? PagedReplies.request(vertx, address, body, pageSize, ASK)
      : vertx.eventBus().<JsonObject>request(address, body, ASK).map(Message::body);
    answer
      .onSuccess(reply -> {
        status.clear(subject);
        if (!heard.getAsBoolean()) {
          apply.accept(reply);
        }
      })
      .onFailure(err -> {
        status.problem(subject, "no answer yet: " + err.getMessage());
        vertx.setTimer(backoff.next(), t -> ask(vertx, address, body, pageSize, status, apply, heard, backoff));
      });
  }

  /**
   * The same for the docker watchers, whose snapshot is a fact every consumer hears: publishes
   * {@link Addresses#CONTAINERS_ANNOUNCE} every 2 s until {@code seen} says this host's came (a
   * request would reach only one watcher of a cluster of hosts).
   */
  public static void announceUntil(Vertx vertx, BooleanSupplier seen) {
    if (!seen.getAsBoolean()) {
      vertx.eventBus().publish(Addresses.CONTAINERS_ANNOUNCE, new JsonObject());
      vertx.setTimer(2000, t -> announceUntil(vertx, seen));
    }
  }
}
