package dev.pharos.launcher;

import dev.pharos.PharosConfig;
import dev.pharos.metrics.PharosMetrics;
import dev.pharos.zookeeper.EmbeddedZooKeeper;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One Pharos process: starts the embedded ZooKeeper when no {@code ZK_HOSTS} is given, a
 * (clustered, when the conf says so) Vertx, and the stages the conf's {@code verticles} names.
 *
 * <pre>java -jar pharos.jar [--conf FILE]</pre>
 */
public final class Pharos {

  private static final Logger LOG = LoggerFactory.getLogger(Pharos.class);

  private final Vertx vertx;
  private final EmbeddedZooKeeper embedded;
  private final JsonObject conf;

  private Pharos(Vertx vertx, EmbeddedZooKeeper embedded, JsonObject conf) {
    this.vertx = vertx;
    this.embedded = embedded;
    this.conf = conf;
  }

  public static void main(String[] args) throws Exception {
    JsonObject fileConf;
    JsonObject flags;
    try {
      LaunchOptions options = LaunchOptions.parse(args);
      if (options.help()) {
        System.out.println(LaunchOptions.USAGE);
        return;
      }
      fileConf = options.conf();
      flags = options.overrides();
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage() + "\n" + LaunchOptions.USAGE);
      System.exit(2);
      return;
    }
    JsonObject conf = PharosConfig.resolve(fileConf.mergeIn(flags, true), System.getenv());
    if (conf.getString("seed") != null) {
      try {
        SeedJoin.join(conf);
      } catch (Exception e) {
        LOG.error("cannot join the cluster of --seed {}: {}", conf.getString("seed"), e.getMessage());
        System.exit(1);
        return;
      }
    }
    // the hook is in place before the start completes: a SIGTERM while stages still start
    // waits for them, then closes everything (the registrar's session included)
    java.util.concurrent.CompletableFuture<Pharos> starting = start(conf).toCompletionStage().toCompletableFuture();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        starting.get(60, java.util.concurrent.TimeUnit.SECONDS).close().toCompletionStage().toCompletableFuture().get();
      } catch (java.util.concurrent.ExecutionException notStarted) {
        // start failed: it has closed what it opened
      } catch (Exception e) {
        LOG.warn("unclean shutdown: {}", e.getMessage());
      }
    }, "pharos-shutdown"));
    try {
      starting.get();
    } catch (Exception e) {
      Throwable cause = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null ? e.getCause() : e;
      // one line naming what is wrong; the trace only when asked for
      LOG.error("Pharos failed to start: {}", cause.getMessage());
      LOG.debug("start failure", cause);
      System.exit(1);
    }
  }

  /** Starts a node from a resolved conf (see {@link PharosConfig#resolve}). */
  public static Future<Pharos> start(JsonObject conf) {
    // an impossible conf stops here, before any server starts
    for (Map.Entry<String, Object> entry : conf.getJsonObject("verticles", new JsonObject())) {
      if (!Stages.ALL.containsKey(entry.getKey())) {
        return Future.failedFuture(new IllegalArgumentException("verticles." + entry.getKey()
          + ": unknown stage (known: " + new java.util.TreeSet<>(Stages.ALL.keySet()) + ")"));
      }
      try {
        PharosConfig.instances(entry.getKey(), entry.getValue());
      } catch (IllegalArgumentException e) {
        return Future.failedFuture(e);
      }
    }
    try {
      PharosConfig.host(conf); // docker.network
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    JsonObject zk = conf.getJsonObject("zookeeper");
    EmbeddedZooKeeper embedded = null;
    if (zk.getString("connect") == null) {
      try {
        embedded = EmbeddedZooKeeper.start(zk.getJsonObject("embedded"));
      } catch (Exception e) {
        return Future.failedFuture(new IllegalStateException("embedded ZooKeeper did not start: " + e.getMessage(), e));
      }
      zk.put("connect", embedded.connectString());
      LOG.info("embedded ZooKeeper listening on {} (data in {})", embedded.connectString(), embedded.dataDir());
    }
    EmbeddedZooKeeper started = embedded;
    return vertx(conf)
      .compose(vertx -> deploy(vertx, conf).map(v -> new Pharos(vertx, started, conf))
        .recover(err -> vertx.close().transform(x -> Future.failedFuture(err))))
      .onSuccess(p -> LOG.info("Pharos node {} started: ZooKeeper {}, stages {}, api {}", PharosConfig.node(conf),
        zk.getString("connect"), conf.getJsonObject("verticles").fieldNames(), apiAddress(conf)))
      .onFailure(err -> {
        if (started != null) {
          started.close();
        }
      });
  }

  private static String apiAddress(JsonObject conf) {
    JsonObject api = conf.getJsonObject("api");
    return conf.getJsonObject("verticles").containsKey("api")
      ? "http://" + api.getString("host") + ":" + api.getInteger("port") + "/v1/health" : "(not on this node)";
  }

  private static Future<Vertx> vertx(JsonObject conf) {
    JsonObject cluster = conf.getJsonObject("cluster");
    // epoll on Linux: fewer copies and less garbage per proxied byte than NIO; NIO elsewhere
    VertxOptions options = new VertxOptions().setPreferNativeTransport(conf.getBoolean("nativeTransport", true));
    var metrics = PharosMetrics.options(conf);
    if (metrics != null) {
      options.setMetricsOptions(metrics);
    }
    if (!cluster.getBoolean("enabled", false)) {
      return Future.succeededFuture(Vertx.vertx(options));
    }
    JsonObject zk = conf.getJsonObject("zookeeper");
    JsonObject clusterZk = new JsonObject()
      .put("zookeeperHosts", zk.getString("connect"))
      .put("rootPath", cluster.getString("rootPath", "pharos-cluster"))
      .put("sessionTimeout", zk.getInteger("sessionTimeoutMs", 15000))
      .put("connectTimeout", zk.getInteger("connectionTimeoutMs", 5000))
      .put("retry", new JsonObject().put("initialSleepTime", 200).put("intervalTimes", 5000).put("maxTimes", 10));
    options.setEventBusOptions(new EventBusOptions()
      .setHost(cluster.getString("host", "127.0.0.1")).setPort(cluster.getInteger("port", 0)));
    ClusterPeers.install();
    return Vertx.builder().with(options).withClusterManager(ClusterPeers.clusterManager(clusterZk)).buildClustered();
  }

  private static Future<Void> deploy(Vertx vertx, JsonObject conf) {
    List<Future<String>> deployments = new ArrayList<>();
    for (Map.Entry<String, Object> entry : conf.getJsonObject("verticles")) {
      var stage = Stages.ALL.get(entry.getKey());
      int instances = PharosConfig.instances(entry.getKey(), entry.getValue()); // valid: start() checked it
      if (instances == 0) {
        continue; // "instances": 0 turns a stage off
      }
      DeploymentOptions options = new DeploymentOptions().setConfig(conf).setInstances(instances);
      deployments.add(vertx.deployVerticle(stage, options)
        .recover(err -> Future.failedFuture(new IllegalStateException(entry.getKey() + " did not start: " + err.getMessage(), err))));
    }
    return Future.all(deployments).mapEmpty();
  }

  public Vertx vertx() {
    return vertx;
  }

  public JsonObject conf() {
    return conf;
  }

  /** Undeploys every stage (the registrar's session closes, so its registrations go) and stops. */
  public Future<Void> close() {
    return vertx.close().onComplete(v -> {
      if (embedded != null) {
        embedded.close();
      }
    });
  }
}
