package dev.pharos.api.impl;

import dev.pharos.bus.Addresses;
import dev.pharos.nesoi.NesoiView;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.Callable;

import static dev.pharos.api.impl.NesoiAnswers.bytes;
import static dev.pharos.api.impl.NesoiAnswers.json;

/** A Nesoi write: the blocking store call, then the answer once this node's view has it. */
final class NesoiWrites {

  private static final Logger LOG = LoggerFactory.getLogger(NesoiWrites.class);

  private final Vertx vertx;
  private final NesoiView view;

  NesoiWrites(Vertx vertx, NesoiView view) {
    this.vertx = vertx;
    this.view = view;
  }

  /**
   * Runs a blocking store write; answers 404 when it found nothing to delete, otherwise waits
   * for this node's view to hold {@code expected} at {@code path}, publishes the change and
   * answers with {@code answer} (204 without one).
   */
  Object write(RoutingContext rc, Callable<Boolean> write, String path, JsonObject expected,
               String changeType, String uri, JsonObject answer) {
    vertx.executeBlocking(write).compose(found -> {
      if (!found) {
        return Future.succeededFuture(false);
      }
      if (changeType != null) {
        // stored: subscribers hear of it now; only this client's answer waits for the view
        vertx.eventBus().publish(Addresses.CHANGES, new JsonObject().put("type", changeType).put("store", "nesoi")
          .put("uri", uri).put("resource", answer).put("ts", System.currentTimeMillis()));
      }
      return view.awaitPath(path, expected == null ? null : bytes(expected)).map(true);
    }).onComplete(ar -> {
      if (ar.failed()) {
        LOG.warn("{} {} failed: {}", rc.request().method(), rc.request().path(), ar.cause().toString());
        json(rc, 503, new JsonObject().put("error", "store unavailable: " + ar.cause().getMessage()));
      } else if (!ar.result()) {
        NesoiAnswers.notFound(rc);
      } else if (answer == null) {
        rc.response().setStatusCode(204).end();
      } else {
        json(rc, 200, answer);
      }
    });
    return Boolean.TRUE;
  }
}
