package dev.pharos.api;

import dev.pharos.PharosConfig;
import dev.pharos.api.impl.ChangeStream;
import dev.pharos.api.impl.NesoiRoutes;
import dev.pharos.api.impl.RegisteredInstances;
import dev.pharos.api.impl.StageDirectory;
import dev.pharos.api.impl.BearerToken;
import dev.pharos.api.impl.DockerSummaries;
import dev.pharos.api.impl.ServiceOverview;
import dev.pharos.api.impl.ServicesRoutes;
import dev.pharos.bus.Addresses;
import dev.pharos.bus.InstanceFilter;
import dev.pharos.bus.PagedReplies;
import dev.pharos.metrics.PharosMetrics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.micrometer.PrometheusScrapingHandler;
import dev.pharos.nesoi.NesoiStore;
import dev.pharos.nesoi.NesoiView;
import dev.pharos.nesoi.WebhookAddresses;
import dev.pharos.stage.StageStatus;
import dev.pharos.zookeeper.ZooKeeperSessions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.apache.curator.framework.CuratorFramework;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * The HTTP face of Pharos: {@code /v1/health}, {@code /v1/instances}, {@code /v1/descriptors} and the
 * {@code /v1/changes} SSE stream. It holds no state of its own but the change backlog: every
 * answer is asked of the stages over the bus, wherever they run.
 */
public class ApiVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(ApiVerticle.class);
  private static final DeliveryOptions ASK = new DeliveryOptions().setSendTimeout(2000);

  private StageStatus status;
  private ChangeStream changes;
  private final StageDirectory directory = new StageDirectory();
  private HttpServer server;
  private CuratorFramework zookeeper;
  private NesoiView nesoiView;
  private final RegisteredInstances registered = new RegisteredInstances();
  /** The stages this node's conf runs: /v1/health judges the node by these. */
  private java.util.Set<String> ownStages;

  @Override
  public Future<?> start() {
    JsonObject conf = config();
    JsonObject apiConf = conf.getJsonObject("api", new JsonObject());
    status = new StageStatus(Addresses.API, PharosConfig.node(conf));
    ownStages = PharosConfig.stages(conf);
    if (ownStages.isEmpty()) {
      ownStages = java.util.Set.of(Addresses.API); // deployed on its own, as in tests
    }
    changes = new ChangeStream(vertx, apiConf.getInteger("changesBacklog", 1000), apiConf.getLong("heartbeatMs", 15_000L));
    vertx.eventBus().<JsonObject>consumer(Addresses.CHANGES, msg -> changes.publish(msg.body()));
    vertx.eventBus().<JsonObject>consumer(Addresses.STATUS, msg -> directory.record(msg.body()));
    MeterRegistry meters = PharosMetrics.registry(conf);
    // one series per api instance: several may run in one node
    Gauge.builder("pharos.sse.clients", changes, ChangeStream::clients).description("clients following /v1/changes")
      .tag("api", context.deploymentID() + "-" + System.identityHashCode(this)).register(meters);

    Router router = Router.router(vertx);
    JsonObject nesoiConf = conf.getJsonObject("nesoi", new JsonObject());
    router.get("/v1/health").handler(this::health);
    ServicesRoutes services = new ServicesRoutes(this::instancesBody, this::dockerSummary,
      body -> ask(Addresses.ENDPOINTS_SNAPSHOT, body), () -> nesoiView, Clock.systemUTC());
    router.get("/v1/instances").handler(rc -> {
      if (ServicesRoutes.paged(rc)) {
        services.dockerInstances(rc);
      } else {
        instances(rc);
      }
    });
    services.mount(router);
    // the dashboard: static files shipped in the jar, reading the same /v1 API
    router.getWithRegex("^/ui$").handler(rc -> rc.redirect("/ui/")); // a plain "/ui" route matches "/ui/" too
    router.get("/ui/*").handler(io.vertx.ext.web.handler.StaticHandler.create("webroot/ui").setIndexPage("index.html"));
    router.get("/v1/definitions").handler(this::definitions);
    router.get("/v1/serf/members").handler(this::serfMembers);
    BearerToken writes = new BearerToken(apiConf.getString("token"));
    router.put("/v1/instances/:id/maintenance").handler(io.vertx.ext.web.handler.BodyHandler.create(false).setBodyLimit(4096))
      .handler(writes).handler(rc -> maintenance(rc, true));
    router.delete("/v1/instances/:id/maintenance").handler(writes).handler(rc -> maintenance(rc, false));
    router.get("/v1/changes").handler(changes::handle);
    router.get("/metrics").handler(meters instanceof PrometheusMeterRegistry prometheus
      ? PrometheusScrapingHandler.create(prometheus)
      : rc -> rc.response().setStatusCode(404).putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("error", "metrics are off on this node (conf metrics.enabled)").encode()));
    router.get("/v1/descriptors").handler(this::descriptors);
    router.post("/v1/serf/config").handler(io.vertx.ext.web.handler.BodyHandler.create(false).setBodyLimit(4096))
      .handler(this::serfConfig);
    // what a node started with --seed this-node needs to join this cluster
    JsonObject cluster = new JsonObject().put("zookeeper", conf.getJsonObject("zookeeper", new JsonObject()).getString("connect"))
      .put("rootPath", conf.getJsonObject("cluster", new JsonObject()).getString("rootPath", "pharos-cluster"))
      .put("clustered", vertx.isClustered());
    router.get("/v1/cluster").handler(rc -> rc.response().putHeader("Content-Type", "application/json").end(cluster.encodePrettily()));
    String host = apiConf.getString("host", "127.0.0.1");
    int port = apiConf.getInteger("port", 6553);
    return status.register(vertx)
      .compose(v -> nesoiConf.getBoolean("enabled", true) ? startNesoi(conf, router) : Future.succeededFuture())
      // HTTP/1.1 only: the JDK client's h2c upgrade against this server stalled on some large answers
      // (2 in 30 GETs of /metrics); Nesoi's and Nerve's clients, curl and Prometheus speak HTTP/1.1
      .compose(v -> vertx.createHttpServer(new io.vertx.core.http.HttpServerOptions().setHttp2ClearTextEnabled(false))
        .requestHandler(router).listen(port, host))
      .onSuccess(s -> {
        server = s;
        status.state(StageStatus.RUNNING);
        status.detail("listen", host + ":" + s.actualPort());
        LOG.info("api listening on http://{}:{}/v1/health", host, s.actualPort());
      });
  }

  /**
   * {@code /v1/health} judges this node by the stages its conf runs: UP (200) when each of them is
   * running here, DEGRADED (503) otherwise. Every stage heard in the cluster is shown with its
   * instances and their nodes; a pipeline stage that runs nowhere while others do is listed
   * under {@code absent}, which does not make this node unhealthy.
   */
  private void health(RoutingContext rc) {
    List<Future<Void>> asks = new ArrayList<>();
    JsonObject unreachable = new JsonObject();
    List<String> stageNames = new ArrayList<>(Addresses.STAGES);
    stageNames.addAll(Addresses.OPTIONAL_STAGES);
    for (String stage : stageNames) {
      asks.add(vertx.eventBus().<JsonObject>request(Addresses.status(stage), new JsonObject(), ASK)
        .onSuccess(msg -> directory.record(msg.body()))
        .onFailure(err -> unreachable.put(stage, err.getMessage()))
        .<Void>mapEmpty().otherwiseEmpty());
    }
    Future.join(asks).onComplete(done -> {
      JsonObject stages = new JsonObject();
      JsonArray absent = new JsonArray();
      boolean healthy = true;
      boolean pipeline = false;
      int problems = 0;
      for (String stage : stageNames) {
        List<JsonObject> instances = directory.instances(stage);
        boolean local = ownStages.contains(stage);
        List<JsonObject> here = instances.stream().filter(i -> status.node().equals(i.getString("node"))).toList();
        pipeline |= !instances.isEmpty() && Addresses.STAGES.contains(stage) && !Addresses.API.equals(stage);
        if (instances.isEmpty() && !local) {
          if (Addresses.STAGES.contains(stage)) {
            absent.add(stage);
          }
          continue;
        }
        JsonObject summary = instances.isEmpty()
          ? new JsonObject().put("stage", stage).put("state", "unreachable").put("instances", new JsonArray())
            .put("problems", new JsonArray().add(new JsonObject().put("subject", stage)
              .put("reason", unreachable.getString(stage, "no instance heard from"))))
          : StageDirectory.summary(stage, instances);
        summary.put("local", local);
        stages.put(stage, summary);
        if (local) {
          String localState = here.isEmpty() ? "unreachable" : StageDirectory.summary(stage, here).getString("state");
          healthy &= StageStatus.RUNNING.equals(localState);
        }
        problems += summary.getJsonArray("problems").size();
      }
      JsonObject body = new JsonObject().put("status", healthy ? "UP" : "DEGRADED").put("node", status.node())
        .put("problems", problems).put("stages", stages).put("absent", pipeline ? absent : new JsonArray());
      rc.response().setStatusCode(healthy ? 200 : 503).putHeader("Content-Type", "application/json")
        .end(body.encodePrettily());
    });
  }

  /**
   * {@code GET /v1/instances[?app=&env=]}: every registrar's and checker's share, those of an app
   * or env only when asked (with {@code limit}, {@code after} or {@code state}, the paged view of
   * {@link ServicesRoutes#dockerInstances} instead).
   */
  private void instances(RoutingContext rc) {
    java.util.Set<String> apps = new java.util.HashSet<>(rc.queryParams().getAll("app"));
    java.util.Set<String> envs = new java.util.HashSet<>(rc.queryParams().getAll("env"));
    // the registrars and checkers send only what was asked for; only() keeps an older one's answer right
    instancesBody(new InstanceFilter(java.util.Set.copyOf(apps), java.util.Set.copyOf(envs)))
      .map(body -> ServiceOverview.only(body, apps, envs))
      .onSuccess(body -> rc.response().putHeader("Content-Type", "application/json").end(body.encodePrettily()))
      .onFailure(err -> unavailable(rc, err.getMessage()));
  }

  /** Every registrar's registrations and drained instances, and every health checker's watches. */
  private Future<JsonObject> instancesBody(InstanceFilter filter) {
    JsonObject asked = filter.into(new JsonObject());
    Future<List<JsonObject>> registrations = gather(Addresses.REGISTRAR, Addresses::registrationsSnapshot, asked,
      Addresses.REGISTRATIONS_SNAPSHOT).recover(err -> Future.failedFuture("registrar unreachable: " + err.getMessage()));
    Future<List<JsonObject>> watches = gather(Addresses.HEALTH_CHECKER, Addresses::instancesSnapshot, asked,
      Addresses.INSTANCES_SNAPSHOT).otherwise(List.of());
    return Future.all(registrations, watches).map(done -> {
      JsonArray held = new JsonArray();
      JsonArray drained = new JsonArray();
      JsonArray checks = new JsonArray();
      // each entry says which node's registrar or checker owns it
      registrations.result().forEach(r -> {
        r.getJsonArray("registrations", new JsonArray()).forEach(e -> held.add(((JsonObject) e).put("registrar", r.getString("node"))));
        r.getJsonArray("maintenance", new JsonArray()).forEach(e -> drained.add(((JsonObject) e).put("registrar", r.getString("node"))));
      });
      watches.result().forEach(w -> w.getJsonArray("watches", new JsonArray())
        .forEach(e -> checks.add(((JsonObject) e).put("checker", w.getString("node")))));
      return new JsonObject().put("registrations", held).put("maintenance", drained).put("checks", checks);
    });
  }

  /**
   * The Docker part of the list of services without gathering every instance: each registrar's
   * summary (counts by app and env, the latest since, how many etcd documents it holds, and its
   * drained instances whole), then each checker's watches counted by app, env and state, the
   * drained ones left out: {@code {"summary","maintenance","counts"}}, merged over the cluster.
   * Fails with {@link ServicesRoutes.NotCounted} when a registrar or checker does not answer
   * these forms, or a checker does not answer (the list then gathers every instance, as before).
   */
  private Future<JsonObject> dockerSummary() {
    return gather(Addresses.REGISTRAR, Addresses::registrationsSnapshot, new JsonObject().put("summary", true),
      Addresses.REGISTRATIONS_SNAPSHOT).recover(err -> Future.failedFuture(new ServicesRoutes.Unreachable("registrar unreachable: "
        + err.getMessage())))
      .compose(registrars -> {
        JsonObject summary = new JsonObject();
        JsonArray drained = new JsonArray();
        JsonArray except = new JsonArray();
        for (JsonObject r : registrars) {
          if (!(r.getValue("summary") instanceof JsonObject counted)) {
            return Future.failedFuture(new ServicesRoutes.NotCounted("registrar " + r.getString("member") + " does not count"));
          }
          DockerSummaries.addRegistrations(summary, counted);
          r.getJsonArray("maintenance", new JsonArray()).forEach(e -> {
            drained.add(((JsonObject) e).put("registrar", r.getString("node")));
            except.add(((JsonObject) e).getJsonObject("instance").getString("id"));
          });
        }
        return gather(Addresses.HEALTH_CHECKER, Addresses::instancesSnapshot, new JsonObject().put("counts", true)
          .put("except", except), Addresses.INSTANCES_SNAPSHOT).otherwise(List.of()).compose(checkers -> {
            // a checker that did not answer: the registered instances it watches would not be counted
            if (checkers.size() < directory.instances(Addresses.HEALTH_CHECKER).size()
              || checkers.isEmpty() && DockerSummaries.anyRegistered(summary)) {
              return Future.failedFuture(new ServicesRoutes.NotCounted("not every health checker answered"));
            }
            JsonObject counts = new JsonObject();
            for (JsonObject c : checkers) {
              if (!(c.getValue("counts") instanceof JsonObject counted)) {
                return Future.failedFuture(new ServicesRoutes.NotCounted("health checker " + c.getString("member") + " does not count"));
              }
              DockerSummaries.addCounts(counts, counted);
            }
            return Future.succeededFuture(new JsonObject().put("summary", summary).put("maintenance", drained).put("counts", counts));
          });
      });
  }

  /**
   * Asks every live instance of {@code stage} (as heard on {@code pharos.status}) at its own
   * address, since each holds only its share; before any is heard of, asks one at {@code any}.
   * Fails only when none answers.
   */
  private Future<List<JsonObject>> gather(String stage, java.util.function.Function<String, String> address, JsonObject asked,
                                          String any) {
    List<JsonObject> instances = directory.instances(stage);
    if (instances.isEmpty()) {
      return askInPages(any, asked).map(List::of);
    }
    List<Future<JsonObject>> answers = new ArrayList<>();
    instances.forEach(i -> answers.add(askInPages(address.apply(i.getString("id")), asked)));
    return Future.join(answers).transform(done -> {
      List<JsonObject> got = answers.stream().filter(Future::succeeded).map(Future::result).toList();
      return got.isEmpty() ? Future.failedFuture(answers.get(0).cause()) : Future.succeededFuture(got);
    });
  }

  /** A snapshot in pages ({@link PagedReplies}): no bus message grows with the answerer's share. */
  private Future<JsonObject> askInPages(String address, JsonObject body) {
    return PagedReplies.request(vertx, address, body, PagedReplies.DEFAULT_PAGE_SIZE, ASK);
  }

  private Future<JsonObject> ask(String address) {
    return ask(address, new JsonObject());
  }

  private Future<JsonObject> ask(String address, JsonObject body) {
    return vertx.eventBus().<JsonObject>request(address, body, ASK).map(io.vertx.core.eventbus.Message::body);
  }

  private static void unavailable(RoutingContext rc, String why) {
    rc.response().setStatusCode(503).putHeader("Content-Type", "application/json").end(new JsonObject().put("error", why).encode());
  }

  /** {@code GET /v1/definitions}: the definitions in use and the malformed ones with their reasons. */
  private void definitions(RoutingContext rc) {
    ask(Addresses.DEFINITIONS_SNAPSHOT)
      .onSuccess(body -> rc.response().putHeader("Content-Type", "application/json").end(body.encode()))
      .onFailure(err -> unavailable(rc, "definition watcher unreachable: " + err.getMessage()));
  }

  /** {@code GET /v1/serf/members}: the serf members as the bridge last read them. */
  private void serfMembers(RoutingContext rc) {
    ask(Addresses.SERF_MEMBERS)
      .onSuccess(body -> rc.response().putHeader("Content-Type", "application/json").end(body.encode()))
      .onFailure(err -> unavailable(rc, "no serf bridge: " + err.getMessage()));
  }

  /**
   * {@code PUT /v1/instances/{id}/maintenance} drains an instance (an optional body
   * {@code {"reason"}}, or {@code {"maintenance": false}} to take it out); {@code DELETE} takes it
   * out. The registrar keeps it in ZooKeeper, so it holds across restarts and nodes.
   */
  private void maintenance(RoutingContext rc, boolean on) {
    JsonObject request = new JsonObject().put("id", rc.pathParam("id")).put("maintenance", on);
    if (on && rc.body() != null && rc.body().length() > 0) {
      JsonObject body;
      try {
        body = rc.body().asJsonObject();
      } catch (RuntimeException e) {
        body = null;
      }
      if (body == null || (body.containsKey("maintenance") && !(body.getValue("maintenance") instanceof Boolean))
        || (body.containsKey("reason") && !(body.getValue("reason") instanceof String))) {
        rc.response().setStatusCode(400).putHeader("Content-Type", "application/json")
          .end(new JsonObject().put("error", "the body is {\"maintenance\": true|false, \"reason\": \"...\"}").encode());
        return;
      }
      request.put("maintenance", body.getBoolean("maintenance", true)).put("reason", body.getString("reason", ""));
    }
    maintenanceRequest(request).onComplete(ar -> {
      if (ar.succeeded()) {
        rc.response().putHeader("Content-Type", "application/json").end(ar.result().encode());
        return;
      }
      int code = ar.cause() instanceof io.vertx.core.eventbus.ReplyException r && (r.failureCode() == 400 || r.failureCode() == 404)
        ? r.failureCode() : 503;
      rc.response().setStatusCode(code).putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("error", ar.cause().getMessage()).encode());
    });
  }

  /**
   * Sends the maintenance request to every live registrar: the one that owns the instance
   * answers; the others know nothing of it (404). A 400 or any success wins over 404s.
   */
  private Future<JsonObject> maintenanceRequest(JsonObject request) {
    List<JsonObject> registrars = directory.instances(Addresses.REGISTRAR);
    if (registrars.isEmpty()) {
      return vertx.eventBus().<JsonObject>request(Addresses.MAINTENANCE, request, ASK).map(io.vertx.core.eventbus.Message::body);
    }
    List<Future<JsonObject>> answers = new ArrayList<>();
    registrars.forEach(r -> answers.add(vertx.eventBus().<JsonObject>request(Addresses.maintenance(r.getString("id")), request, ASK)
      .map(io.vertx.core.eventbus.Message::body)));
    return Future.join(answers).transform(done -> {
      Throwable worst = null;
      for (Future<JsonObject> answer : answers) {
        if (answer.succeeded()) {
          return Future.succeededFuture(answer.result());
        }
        if (worst == null || !(answer.cause() instanceof io.vertx.core.eventbus.ReplyException r && r.failureCode() == 404)) {
          worst = answer.cause();
        }
      }
      return Future.failedFuture(worst);
    });
  }

  /**
   * {@code POST /v1/serf/config} {p,k,v,c}: sent to the serf cluster by the serf bridge as a
   * config_updated event, or with {@code ?as=query} as a query whose answers come back.
   */
  private void serfConfig(RoutingContext rc) {
    JsonObject body;
    try {
      body = rc.body().asJsonObject();
    } catch (RuntimeException e) {
      body = null;
    }
    if (body == null) {
      rc.response().setStatusCode(400).putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("error", "the body is not a JSON object of p, k, v, c").encode());
      return;
    }
    // as a query, the answer waits for serf's query timeout (a few seconds) and lists each node's answer
    String as = rc.queryParams().get("as");
    if (as != null && !as.equals("event") && !as.equals("query")) {
      rc.response().setStatusCode(400).putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("error", "as must be event or query, not " + as).encode());
      return;
    }
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(60_000).addHeader("as", as == null ? "event" : as);
    vertx.eventBus().<JsonObject>request(Addresses.SERF_CONFIG, body, options).onComplete(ar -> {
      if (ar.succeeded()) {
        rc.response().putHeader("Content-Type", "application/json").end(ar.result().body().encode());
      } else {
        int code = ar.cause() instanceof io.vertx.core.eventbus.ReplyException r && r.failureCode() == 400 ? 400 : 503;
        rc.response().setStatusCode(code).putHeader("Content-Type", "application/json")
          .end(new JsonObject().put("error", ar.cause().getMessage()).encode());
      }
    });
  }

  private void descriptors(RoutingContext rc) {
    vertx.eventBus().<JsonObject>request(Addresses.DESCRIPTORS, new JsonObject(), ASK).onComplete(ar -> {
      if (ar.failed()) {
        rc.response().setStatusCode(503).putHeader("Content-Type", "application/json")
          .end(new JsonObject().put("error", "ambassador unreachable: " + ar.cause().getMessage()).encode());
      } else {
        rc.response().putHeader("Content-Type", "application/json").end(ar.result().body().encodePrettily());
      }
    });
  }

  /** Nesoi's /app and /srv resources, kept in ZooKeeper; the registrations shown under /srv follow the registrar. */
  private Future<Void> startNesoi(JsonObject conf, Router router) {
    JsonObject apiConf = conf.getJsonObject("api", new JsonObject());
    WebhookAddresses hookAddresses;
    try {
      hookAddresses = WebhookAddresses.from(conf.getJsonObject("webhooks"));
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e); // a malformed webhooks.allowedHosts stops the start, naming the entry
    }
    vertx.eventBus().<JsonObject>consumer(Addresses.CHANGES, msg -> registered.apply(msg.body()));
    return ZooKeeperSessions.acquire(vertx, conf.getJsonObject("zookeeper")).compose(client -> vertx.executeBlocking(() -> {
      zookeeper = client;
      NesoiStore store = new NesoiStore(zookeeper);
      store.ensureLayout();
      nesoiView = new NesoiView(zookeeper, context);
      return store;
    })).compose(store -> vertx.executeBlocking(() -> nesoiView.start()).compose(f -> f).map(store))
      .onSuccess(store -> {
        new NesoiRoutes(vertx, store, nesoiView, Clock.systemUTC(), apiConf.getString("token"), registered, hookAddresses)
          .mount(router, conf.getJsonObject("nesoi", new JsonObject()).getLong("maxBodyBytes", NesoiRoutes.DEFAULT_MAX_BODY_BYTES));
        fillRegistered();
      }).mapEmpty();
  }

  /** Fills the Docker pipeline's hosts under /srv from every registrar, retried until one answers. */
  private void fillRegistered() {
    gather(Addresses.REGISTRAR, Addresses::registrationsSnapshot, new JsonObject(), Addresses.REGISTRATIONS_SNAPSHOT)
      .onSuccess(answers -> answers.forEach(registered::fill))
      .onFailure(err -> vertx.setTimer(2000, t -> fillRegistered()));
  }

  @Override
  public Future<?> stop() {
    Future<?> closed = server == null ? Future.succeededFuture() : server.close();
    return closed.eventually(() -> vertx.executeBlocking(() -> {
      if (nesoiView != null) {
        nesoiView.close();
      }
      return null;
    })).eventually(() -> ZooKeeperSessions.release(vertx, zookeeper));
  }
}
