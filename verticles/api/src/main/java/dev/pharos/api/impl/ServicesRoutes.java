package dev.pharos.api.impl;

import dev.pharos.bus.InstanceFilter;
import dev.pharos.nesoi.NesoiView;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * {@code GET /v1/services} (one summary per service, paged) and {@code GET /v1/services/{name}}
 * (that service's instances, paged). The whole list asks every registrar and health checker
 * for counts by app, env and state (and the drained instances), and the ambassador how many
 * etcd documents each service has by env: costs that grow with the services, not the instances
 * (with an older registrar or checker, which does not count, it gathers every Docker instance
 * as it used to). A list of named services ({@code app=}: what the dashboard asks after a
 * change) and one service's page ask each registrar, checker and the ambassador for those
 * services' only. Nesoi's REST hosts are read from this node's view, and summarised through a
 * {@link RestIndex} rebuilt only when the view has changed.
 */
public final class ServicesRoutes {

  private final Function<InstanceFilter, Future<JsonObject>> docker;
  private final Supplier<Future<JsonObject>> dockerSummary;
  private final Function<JsonObject, Future<JsonObject>> etcd;
  private final Supplier<NesoiView> view;
  private final Clock clock;
  private RestIndex index = RestIndex.EMPTY;

  /**
   * @param docker the body of {@code /v1/instances} for the apps and envs given; a failure says why Docker's instances are unknown
   * @param dockerSummary the registrars' and checkers' counts ({@code {"summary","maintenance","counts"}}); an
   *               {@link NotCounted} failure when they cannot all be counted, {@link Unreachable} when no registrar answered
   * @param etcd   the ambassador's answer on {@code pharos.endpoints.snapshot} to the request given, or a failure without one
   * @param view   this node's Nesoi view, or null while it has none
   */
  public ServicesRoutes(Function<InstanceFilter, Future<JsonObject>> docker, Supplier<Future<JsonObject>> dockerSummary,
                        Function<JsonObject, Future<JsonObject>> etcd, Supplier<NesoiView> view, Clock clock) {
    this.docker = docker;
    this.dockerSummary = dockerSummary;
    this.etcd = etcd;
    this.view = view;
    this.clock = clock;
  }

  public void mount(Router router) {
    router.get("/v1/services").handler(this::summaries);
    router.get("/v1/services/:name").handler(this::instances);
  }

  private void summaries(RoutingContext rc) {
    ServiceQuery query = query(rc);
    if (query != null) {
      summarySources(query).map(s -> s.body(ServicePages.summaries(s.sources(), query, clock.millis())))
        .onSuccess(body -> answer(rc, body)).onFailure(err -> failed(rc, err));
    }
  }

  private void instances(RoutingContext rc) {
    ServiceQuery query = query(rc);
    if (query == null) {
      return;
    }
    String name = rc.pathParam("name");
    namedSources(Set.of(name)).map(s -> {
      JsonObject page = ServicePages.instances(s.sources(), name, query, clock.millis());
      return page != null ? s.body(page) : s.body(new JsonObject().put("error", "no instance of service " + name));
    }).onSuccess(body -> {
      if (body.containsKey("error")) {
        rc.response().setStatusCode(404).putHeader("Content-Type", "application/json").end(body.encode());
      } else {
        answer(rc, body);
      }
    }).onFailure(err -> failed(rc, err));
  }

  /**
   * {@code GET /v1/instances} with {@code limit}, {@code after} or {@code state}: one entry per
   * Docker instance, across services (as {@code /v1/services/{name}} gives them), filtered by
   * {@code app}, {@code env}, {@code state} and {@code q}, paged; the registrars and checkers are
   * asked for the apps and envs named only. 503 when no registrar answers.
   */
  public void dockerInstances(RoutingContext rc) {
    ServiceQuery query = query(rc);
    if (query == null) {
      return;
    }
    docker.apply(new InstanceFilter(query.apps(), query.envs()))
      .map(body -> ServicePages.dockerInstances(ServiceOverview.docker(body).byService(), query))
      .onSuccess(page -> answer(rc, page))
      .onFailure(err -> rc.response().setStatusCode(503).putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("error", err.getMessage()).encode()));
  }

  /** Whether a {@code /v1/instances} request asks for the paged view ({@link #dockerInstances}) rather than the stages' shares. */
  public static boolean paged(RoutingContext rc) {
    return rc.queryParams().contains("limit") || rc.queryParams().contains("after") || rc.queryParams().contains("state")
      || rc.queryParams().contains("q");
  }

  private static ServiceQuery query(RoutingContext rc) {
    try {
      return ServiceQuery.parse(rc.queryParams());
    } catch (IllegalArgumentException e) {
      rc.response().setStatusCode(400).putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("error", e.getMessage()).encode());
      return null;
    }
  }

  /** An answer from a stage that could not be read (not of its contract): 502 naming it, never a request left hanging. */
  private static void failed(RoutingContext rc, Throwable err) {
    rc.response().setStatusCode(502).putHeader("Content-Type", "application/json")
      .end(new JsonObject().put("error", "a stage's answer could not be read: " + err).encode());
  }

  private static void answer(RoutingContext rc, JsonObject body) {
    rc.response().putHeader("Content-Type", "application/json").end(body.encode());
  }

  /** What was gathered, and what to tell the client alongside. */
  private record Gathered(ServiceOverview.Sources sources, boolean hasEtcd, String dockerUnknown) {
    JsonObject body(JsonObject page) {
      page.put("etcd", hasEtcd);
      if (dockerUnknown != null) {
        page.put("warnings", new JsonArray().add("Docker instances unknown: " + dockerUnknown));
      }
      return page;
    }
  }

  /**
   * The list's counts cannot be trusted whole (a registrar or checker that does not count, being
   * older; a checker that did not answer, whose registered instances the counts would drop):
   * every instance is gathered instead.
   */
  public static final class NotCounted extends RuntimeException {
    public NotCounted(String why) {
      super(why, null, false, false);
    }
  }

  /** No registrar answered: the list goes on without Docker's instances, saying why. */
  public static final class Unreachable extends RuntimeException {
    public Unreachable(String why) {
      super(why, null, false, false);
    }
  }

  /**
   * The list of the services {@code query} names (their instances and documents), or of all:
   * the registrars' and checkers' counts, and the ambassador's counts of the etcd documents by
   * service and env.
   */
  private Future<Gathered> summarySources(ServiceQuery query) {
    if (!query.apps().isEmpty()) {
      return namedSources(query.apps());
    }
    return dockerSummary.get().transform(summary -> {
      if (summary.failed() && summary.cause() instanceof NotCounted) {
        return everyInstance();
      }
      if (summary.failed() && !(summary.cause() instanceof Unreachable)) {
        return Future.failedFuture(summary.cause()); // an answer that could not be read: 502
      }
      JsonObject summaries = summary.succeeded() ? summary.result()
        : new JsonObject().put("summary", new JsonObject()).put("maintenance", new JsonArray()).put("counts", new JsonObject());
      String unknown = summary.failed() ? summary.cause().getMessage() : null;
      return etcd.apply(new JsonObject().put("counts", true).put("except", new JsonArray())).otherwise((JsonObject) null)
        .map(documents -> new Gathered(ServiceOverview.summarised(summaries, rest(), index(), documents), documents != null, unknown));
    });
  }

  /**
   * The list as it was made before the registrars and checkers counted: every Docker instance,
   * then the ambassador's counts of the etcd documents by service and env, told which documents
   * are Docker's (they are listed as Docker instances).
   */
  private Future<Gathered> everyInstance() {
    return docker.apply(InstanceFilter.ALL).otherwise(err -> new JsonObject().put("unavailable", err.getMessage()))
      .compose(instances -> {
        ServiceOverview.Docker ours = ServiceOverview.docker(instances);
        JsonObject asked = new JsonObject().put("counts", true).put("except", new JsonArray(List.copyOf(ours.documentPaths())));
        return etcd.apply(asked).otherwise((JsonObject) null)
          .map(documents -> gathered(ServiceOverview.sources(ours, rest(), index(), documents), documents, instances));
      });
  }

  /** Named services (one service's page, or the list's rows a change touched): their Docker instances and etcd documents, asked at once. */
  private Future<Gathered> namedSources(Set<String> names) {
    // a Docker instance's service is its app
    Future<JsonObject> instances = docker.apply(new InstanceFilter(names, Set.of()))
      .otherwise(err -> new JsonObject().put("unavailable", err.getMessage()));
    // no ambassador, no etcd source: the page goes on without it
    Future<JsonObject> documents = etcd.apply(new JsonObject().put("apps", new JsonArray(List.copyOf(names)))).otherwise((JsonObject) null);
    return Future.all(instances, documents).map(all -> gathered(
      ServiceOverview.sources(instances.result(), rest(), index(), documents.result()), documents.result(), instances.result()));
  }

  private static Gathered gathered(ServiceOverview.Sources sources, JsonObject documents, JsonObject instances) {
    // no registrar (a Nesoi-only node, say): the REST and etcd instances still show, with why Docker's do not
    return new Gathered(sources, documents != null, instances.getString("unavailable"));
  }

  private Map<String, Map<String, JsonObject>> rest() {
    NesoiView nesoi = view.get();
    return nesoi == null ? Map.of() : nesoi.services();
  }

  /** The REST hosts' index, brought up to date when the view changed since it was last asked. */
  private RestIndex index() {
    NesoiView nesoi = view.get();
    if (nesoi == null) {
      return RestIndex.EMPTY;
    }
    if (nesoi.version() != index.version()) {
      index = index.next(nesoi.version(), nesoi.services());
    }
    return index;
  }
}
