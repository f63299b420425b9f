package dev.pharos.api.impl;

import dev.pharos.bus.Addresses;
import dev.pharos.nesoi.NesoiDocuments;
import dev.pharos.nesoi.NesoiDocuments.InvalidResource;
import dev.pharos.nesoi.NesoiStore;
import dev.pharos.nesoi.NesoiView;
import dev.pharos.nesoi.WebhookAddresses;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Map;

import static dev.pharos.api.impl.NesoiAnswers.json;
import static dev.pharos.api.impl.NesoiAnswers.name;
import static dev.pharos.api.impl.NesoiAnswers.named;

/**
 * Nesoi's REST API: {@code /app/NAME}, {@code /srv/NAME/HOST} and their {@code web-hooks}
 * subscription resources, answered as Nesoi answered them. Reads come from this node's
 * {@link NesoiView}; writes go to ZooKeeper through {@link NesoiStore} and are answered once
 * the view has them. A write that changes something is also published on
 * {@link Addresses#CHANGES}, which feeds {@code /v1/changes}.
 */
public final class NesoiRoutes {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(NesoiRoutes.class);
  /** 512 KiB: config documents fit, and a write stays well under ZooKeeper's 1 MB znode limit. */
  public static final long DEFAULT_MAX_BODY_BYTES = 512 * 1024;

  private final NesoiStore store;
  private final NesoiView view;
  private final Clock clock;
  private final String token;
  /** Instances the Docker pipeline registered, by app then instance id, shown under {@code /srv/{app}}. */
  private final Map<String, Map<String, JsonObject>> registered;

  private final RegisteredInstances registeredInstances;
  private final NesoiWrites writes;
  private final HookRoutes hooks;
  /** Rendered {@code GET /srv/NAME} answers (without max_age), valid while both versions hold. */
  private final Map<String, Rendered> rendered = new java.util.HashMap<>();

  private record Rendered(long viewVersion, long registeredVersion, io.vertx.core.buffer.Buffer body) {
  }

  public NesoiRoutes(Vertx vertx, NesoiStore store, NesoiView view, Clock clock, String token,
                     RegisteredInstances registered, WebhookAddresses hookAddresses) {
    this.writes = new NesoiWrites(vertx, view);
    this.hooks = new HookRoutes(vertx, store, view, writes, hookAddresses);
    this.store = store;
    this.view = view;
    this.clock = clock;
    this.token = token;
    this.registeredInstances = registered;
    this.registered = registered.byApp();
  }

  public void mount(Router router, long maxBodyBytes) {
    // the raw body, whatever the content type: curl -d labels Nesoi's JSON as a form
    JsonBody body = new JsonBody(maxBodyBytes);
    // Vert.x Web routes on the normalised path, where /app/.. is /: refuse such names first
    router.route().handler(this::refuseDotSegments);
    // whatever else fails a request with these, the client still gets a JSON reason
    router.errorHandler(400, rc -> failed(rc, 400, "bad request"));
    router.errorHandler(413, rc -> failed(rc, 413, "the body is over " + maxBodyBytes + " bytes (nesoi.maxBodyBytes)"));
    router.route().method(HttpMethod.PUT).method(HttpMethod.POST).method(HttpMethod.DELETE)
      .pathRegex("^/(app|srv)(/.*)?$").handler(new BearerToken(token));
    router.put("/app/:name").handler(body).handler(this::putApp);
    router.get("/app").handler(rc -> json(rc, 200, appsJson()));
    router.get("/app/:name").handler(rc -> named(rc, n -> view.app(n) == null ? null : json(rc, 200, view.app(n))));
    router.head("/app/:name").handler(rc -> named(rc, n -> view.app(n) == null ? null : subscriptions(rc)));
    router.delete("/app/:name").handler(rc -> named(rc, n -> writes.write(rc, () -> store.deleteApp(n), NesoiStore.appPath(n), null,
      "app-deleted", "/app/" + n, null)));
    hooks.mount(router, body);
    router.put("/srv/:name/:host").handler(body).handler(this::putHost);
    router.get("/srv/:name").handler(this::service);
    router.head("/srv/:name").handler(rc -> named(rc, n -> serviceExists(n) ? subscriptions(rc) : null));
    router.get("/srv/:name/:host").handler(rc -> named(rc, n -> host(rc, n)));
    router.delete("/srv/:name/:host").handler(rc -> named(rc, n -> name(rc, "host", "host", h -> writes.write(rc,
      () -> store.deleteHost(n, h), NesoiStore.hostPath(n, h), null, "srv-deleted", "/srv/" + n + "/" + h, null))));
  }

  private static void failed(RoutingContext rc, int status, String reason) {
    Throwable why = rc.failure();
    LOG.warn("{} {}: {}{}", rc.request().method(), rc.request().path(), reason, why == null ? "" : " (" + why + ")");
    JsonBody.error(rc, status, why == null || why.getMessage() == null ? reason : reason + ": " + why.getMessage());
  }

  private void refuseDotSegments(RoutingContext rc) {
    String raw = rc.request().path();
    if (!raw.startsWith("/app") && !raw.startsWith("/srv")) {
      rc.next();
      return;
    }
    for (String segment : raw.split("/")) {
      String decoded = java.net.URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
      if (decoded.equals(".") || decoded.equals("..")) {
        json(rc, 400, new JsonObject().put("error", "name '" + decoded + "' is not allowed"));
        return;
      }
    }
    rc.next();
  }

  private void putApp(RoutingContext rc) {
    named(rc, n -> {
      JsonObject app = NesoiDocuments.app(n, JsonBody.object(rc), clock);
      return writes.write(rc, () -> {
        store.putApp(n, app);
        return true;
      }, NesoiStore.appPath(n), app, "app-updated", "/app/" + n, app);
    });
  }

  private void putHost(RoutingContext rc) {
    named(rc, n -> name(rc, "host", "host", h -> {
      JsonObject doc = NesoiDocuments.host(h, JsonBody.object(rc), clock);
      return writes.write(rc, () -> {
        store.putHost(n, h, doc);
        return true;
      }, NesoiStore.hostPath(n, h), doc, "srv-updated", "/srv/" + n + "/" + h, doc);
    }));
  }

  private Object subscriptions(RoutingContext rc) {
    String base = (rc.request().isSSL() ? "https://" : "http://") + rc.request().authority();
    rc.response().putHeader("Link", "<" + base + rc.request().path() + "/web-hooks>; rel=\"Subscriptions\"").end();
    return Boolean.TRUE;
  }

  private JsonObject appsJson() {
    JsonObject all = new JsonObject();
    view.apps().forEach(all::put);
    return all;
  }

  private boolean serviceExists(String name) {
    return !view.hosts(name).isEmpty() || !registered.getOrDefault(name, Map.of()).isEmpty();
  }

  private Object host(RoutingContext rc, String service) throws InvalidResource {
    return name(rc, "host", "host", h -> {
      JsonObject doc = view.hosts(service).get(h);
      if (doc == null) {
        doc = registered.getOrDefault(service, Map.of()).get(h);
      }
      return doc == null ? null : json(rc, 200, doc);
    });
  }

  /** {@code GET /srv/NAME} ({@link ServiceListing}); the answer without max_age is cached until either source changes. */
  private void service(RoutingContext rc) {
    named(rc, n -> {
      if (!serviceExists(n)) {
        return null;
      }
      String param = rc.request().getParam("max_age");
      Rendered cached = rendered.get(n);
      if (param == null && cached != null && cached.viewVersion() == view.version()
        && cached.registeredVersion() == registeredInstances.version()) {
        rc.response().putHeader("Content-Type", "application/json").end(cached.body());
        return Boolean.TRUE;
      }
      Long maxAge = ServiceListing.maxAge(param);
      JsonObject all = ServiceListing.render(registered.getOrDefault(n, Map.of()), view.hosts(n), maxAge,
        LocalDateTime.now(clock.withZone(ZoneOffset.UTC)));
      io.vertx.core.buffer.Buffer body = io.vertx.core.buffer.Buffer.buffer(all.encodePrettily());
      if (param == null) {
        if (rendered.size() > 10_000) {
          rendered.clear(); // bounded: names come from clients
        }
        rendered.put(n, new Rendered(view.version(), registeredInstances.version(), body));
      }
      rc.response().putHeader("Content-Type", "application/json").end(body);
      return Boolean.TRUE;
    });
  }
}
