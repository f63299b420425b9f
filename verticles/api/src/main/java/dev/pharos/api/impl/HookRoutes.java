package dev.pharos.api.impl;

import dev.pharos.nesoi.NesoiDocuments;
import dev.pharos.nesoi.NesoiDocuments.InvalidResource;
import dev.pharos.nesoi.NesoiStore;
import dev.pharos.nesoi.NesoiView;
import dev.pharos.nesoi.WebhookAddresses;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.function.BiFunction;

import static dev.pharos.api.impl.NesoiAnswers.badRequest;
import static dev.pharos.api.impl.NesoiAnswers.bytes;
import static dev.pharos.api.impl.NesoiAnswers.json;
import static dev.pharos.api.impl.NesoiAnswers.name;
import static dev.pharos.api.impl.NesoiAnswers.named;

/**
 * {@code /{app|srv}/NAME/web-hooks}: registering a hook ({@code POST}, 201 with its
 * {@code Location}), listing them with the notifier's word on each, and removing one.
 */
final class HookRoutes {

  private final Vertx vertx;
  private final NesoiStore store;
  private final NesoiView view;
  private final NesoiWrites writes;
  /** Where a web-hook may point: checked on registration, and again by the notifier on delivery. */
  private final WebhookAddresses addresses;

  HookRoutes(Vertx vertx, NesoiStore store, NesoiView view, NesoiWrites writes, WebhookAddresses addresses) {
    this.vertx = vertx;
    this.store = store;
    this.view = view;
    this.writes = writes;
    this.addresses = addresses;
  }

  void mount(Router router, JsonBody body) {
    router.post("/:kind/:name/web-hooks").handler(body).handler(this::postHook);
    router.get("/:kind/:name/web-hooks").handler(rc -> kindAndName(rc, (k, n) -> json(rc, 200, hooksJson(k, n))));
    router.delete("/:kind/:name/web-hooks/:hook").handler(this::deleteHook);
  }

  private void kindAndName(RoutingContext rc, BiFunction<String, String, Object> answer) {
    String kind = rc.pathParam("kind");
    if (!kind.equals("app") && !kind.equals("srv")) {
      NesoiAnswers.notFound(rc);
      return;
    }
    named(rc, n -> kind.equals("app") && view.app(n) == null ? null : answer.apply(kind, n));
  }

  private void postHook(RoutingContext rc) {
    kindAndName(rc, (kind, n) -> {
      JsonObject hook;
      try {
        hook = NesoiDocuments.hook(JsonBody.object(rc));
      } catch (InvalidResource e) {
        return badRequest(rc, e);
      }
      String path = NesoiStore.hooksPath(kind, n) + "/" + hook.getString("name");
      String location = "/" + kind + "/" + n + "/web-hooks/" + hook.getString("name");
      vertx.executeBlocking(() -> {
        try {
          addresses.check(hook.getString("endpoint")); // a DNS lookup: blocking
        } catch (WebhookAddresses.Refused e) {
          throw new InvalidResource("field endpoint: " + e.getMessage());
        }
        store.putHook(kind, n, hook);
        return null;
      }).compose(v -> view.awaitPath(path, bytes(hook))).onComplete(ar -> {
        if (ar.failed() && ar.cause() instanceof InvalidResource refused) {
          badRequest(rc, refused);
        } else if (ar.failed()) {
          json(rc, 503, new JsonObject().put("error", "store unavailable: " + ar.cause().getMessage()));
        } else {
          rc.response().putHeader("Location", location);
          json(rc, 201, hook);
        }
      });
      return Boolean.TRUE;
    });
  }

  private void deleteHook(RoutingContext rc) {
    kindAndName(rc, (kind, n) -> name(rc, "hook", "hook", hook -> writes.write(rc,
      () -> store.deleteHook(kind, n, hook), NesoiStore.hooksPath(kind, n) + "/" + hook, null, null, null, null)));
  }

  /** Each hook as registered, with the notifier's word on it: {@code failing}, {@code dropped}, {@code lastError}. */
  private JsonObject hooksJson(String kind, String name) {
    JsonObject all = new JsonObject();
    view.hooks(kind, name).forEach((hook, doc) -> {
      JsonObject state = view.hookState(kind, name, hook);
      JsonObject shown = doc.copy().put("failing", false).put("dropped", 0).putNull("lastError");
      if (state != null) {
        shown.put("failing", state.getBoolean("failing", false)).put("dropped", state.getLong("dropped", 0L))
          .put("lastError", state.getString("lastError"));
      }
      all.put(hook, shown);
    });
    return all;
  }
}
