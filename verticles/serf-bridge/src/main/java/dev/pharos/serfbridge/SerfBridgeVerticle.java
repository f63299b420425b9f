package dev.pharos.serfbridge;

import dev.pharos.PharosConfig;
import dev.pharos.bus.Addresses;
import dev.pharos.etcd.EtcdClients;
import dev.pharos.etcd.EtcdPrefixWatch;
import dev.pharos.serf.ConfigFiles;
import dev.pharos.serf.ConfigUpdate;
import dev.pharos.serf.MembershipFiles;
import dev.pharos.serf.SerfEvent;
import dev.pharos.serf.SerfMember;
import dev.pharos.serf.SerfRpcClient;
import dev.pharos.serf.SerfnodeFiles;
import dev.pharos.serfbridge.impl.ChildContainers;
import dev.pharos.serfbridge.impl.LatestWrites;
import dev.pharos.serfbridge.impl.SerfnodeChildren;
import dev.pharos.serfbridge.impl.StoreConfigSource;
import dev.pharos.stage.Backoff;
import dev.pharos.stage.StageStatus;
import dev.pharos.zookeeper.ZooKeeperSessions;
import io.etcd.jetcd.Client;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The serf bridge: follows the local serf agent over its RPC protocol and does serf-handler's
 * job. After every membership change it rewrites {@code hosts}, {@code services.json} and
 * {@code services.yml} in its conf directory (only when they change, atomically); it stores
 * {@code config_updated} events and queries at {@code <configs>/<p>/<k>.json} when their version is
 * newer (answering a query "stored" or "ignored"); other user events go to the bus on
 * {@code pharos.serf.event.<name>}. It reconnects with backoff when the agent goes away.
 *
 * <p>It also does Serfnode's job: the node's and its children's files ({@code serfnodes_by_*},
 * {@code me.json}, {@code children_by_name.json}, {@code parent.json}, hosts) and each child's
 * FIFO. Children are containers of this host with a {@code /serfnode} mount, learnt from the
 * docker watcher's facts; their inspect output is asked of the docker watcher over the bus.
 */
public class SerfBridgeVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(SerfBridgeVerticle.class);
  private static final String AGENT = "serf agent";
  /** Files with a write waiting at once: one per config key in flight, far above what serf's event rate makes. */
  private static final int MAX_FILES_PENDING = 10_000;

  private StageStatus status;
  private String agentHost;
  private int agentPort;
  private String authKey;
  private Path confDir;
  private Path hostsFile;
  private ConfigFiles configs;
  private long reconnectMinMs;
  private long reconnectMaxMs;
  private Backoff backoff;
  private SerfRpcClient.Limits limits;
  /** The connected agent, or null; read and written on this verticle's context only. */
  private SerfRpcClient client;
  private Path serfnodeRoot;
  private SerfnodeChildren children;
  /** The local agent's member name. */
  private String nodeId;
  /** The members as last read, for pharos.serf.members. */
  private List<SerfMember> lastMembers = List.of();
  private Client etcd;
  /** The process's shared Curator client, while acquiring or held; null when no ZooKeeper path is watched. */
  private Future<CuratorFramework> zookeeper;
  /** The cache over it once started (a failed future when it could not start). */
  private Future<CuratorCache> zookeeperCache;
  private EtcdPrefixWatch etcdWatch;
  private boolean stopping;
  /** Every file this stage writes goes through it. */
  private LatestWrites writes;
  /** The version of the latest members answer, for its files. */
  private long membersVersion;

  @Override
  public Future<?> start() {
    JsonObject conf = config();
    JsonObject serf = conf.getJsonObject("serf", new JsonObject());
    String rpc = serf.getString("rpc", "127.0.0.1:7373");
    int colon = rpc.lastIndexOf(':');
    agentHost = rpc.substring(0, colon);
    agentPort = Integer.parseInt(rpc.substring(colon + 1));
    authKey = serf.getString("authKey");
    confDir = Path.of(serf.getString("confDir", "data/serf/conf"));
    hostsFile = serf.getString("hostsFile") == null ? confDir.resolve("hosts") : Path.of(serf.getString("hostsFile"));
    configs = new ConfigFiles(Path.of(serf.getString("configsDir", "data/serf/configs")));
    reconnectMinMs = serf.getLong("reconnectMinMs", 200L);
    reconnectMaxMs = serf.getLong("reconnectMaxMs", 10_000L);
    backoff = new Backoff(reconnectMinMs, reconnectMaxMs);
    limits = SerfRpcClient.Limits.DEFAULT;
    status = new StageStatus(Addresses.SERF_BRIDGE, PharosConfig.node(conf));
    writes = new LatestWrites(vertx, status, MAX_FILES_PENDING, 200, 30_000);
    vertx.eventBus().<JsonObject>consumer(Addresses.SERF_CONFIG, msg -> ("query".equals(msg.headers().get("as"))
      ? queryConfig(msg.body()) : sendConfig(msg.body()).map(v -> new JsonObject().put("sent", true).put("as", "event")))
      .onSuccess(msg::reply)
      .onFailure(err -> msg.fail(400, err.getMessage())));
    serfnodeRoot = serf.getString("serfnodeRoot") == null ? null : Path.of(serf.getString("serfnodeRoot"));
    String childMount = serf.getString("childMount", "/serfnode");
    children = new SerfnodeChildren(vertx, context, status, writes, PharosConfig.host(conf), serfnodeRoot, serf.getString("parentContainer"),
      new ChildContainers(childMount, serf.getJsonArray("children", new JsonArray()).stream().map(o -> Path.of(String.valueOf(o))).toList()),
      this::fromFifo, () -> {
        if (client != null) {
          refreshMembers(client); // the new children's cluster files and hosts
        }
      });
    children.start(childMount != null);
    vertx.eventBus().<JsonObject>consumer(Addresses.SERF_MEMBERS, msg -> {
      JsonArray list = new JsonArray();
      lastMembers.forEach(m -> list.add(m.toJson()));
      msg.reply(new JsonObject().put("members", list).put("node", nodeId));
    });
    JsonObject etcdConf = conf.getJsonObject("etcd", new JsonObject());
    String prefix = serf.getString("etcdConfigPrefix");
    return status.register(vertx).onSuccess(v -> {
      connect();
      if (prefix != null && EtcdClients.configured(etcdConf)) {
        etcd = EtcdClients.create(vertx, etcdConf);
        etcdWatch = new EtcdPrefixWatch(etcd, context, prefix, new StoreConfigSource(prefix, this::propagate,
          (key, reason) -> status.problem("etcd " + key, "not propagated: " + reason)));
        etcdWatch.start();
      }
      String zkPath = serf.getString("zookeeperConfigPath");
      if (zkPath != null) {
        watchZooKeeper(conf.getJsonObject("zookeeper"), zkPath);
      }
    });
  }

  /** Values under a ZooKeeper path, by Curator's CuratorCache: {@code <path>/<p>/<k>}, the mzxid as version. */
  private void watchZooKeeper(JsonObject zookeeperConf, String path) {
    String root = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    StoreConfigSource source = new StoreConfigSource(root + "/", this::propagate,
      (key, reason) -> status.problem("zookeeper " + key, "not propagated: " + reason));
    zookeeper = ZooKeeperSessions.acquire(vertx, zookeeperConf);
    zookeeperCache = zookeeper.compose(c -> vertx.executeBlocking(() -> {
      CuratorCache cache = CuratorCache.build(c, root);
      cache.listenable().addListener(CuratorCacheListener.builder().forCreatesAndChanges((before, node) -> {
        if (node.getData() != null && node.getData().length > 0 && node.getStat() != null) {
          context.runOnContext(v -> source.propagate(node.getPath(), node.getData(), node.getStat().getMzxid()));
        }
      }).build());
      cache.start();
      return cache;
    }, false)).onFailure(err -> status.problem("zookeeper " + root, "cannot watch: " + err.getMessage()));
  }

  /** An update from a watched store, sent to the cluster once the agent is connected. */
  private void propagate(ConfigUpdate update) {
    String subject = "etcd " + update.product() + "/" + update.key();
    sendConfig(new JsonObject().put("p", update.product()).put("k", update.key()).put("v", update.version())
      .put("c", update.config()))
      .onSuccess(v -> {
        status.clear(subject);
        status.increment("configsPropagated");
      })
      .onFailure(err -> {
        status.problem(subject, "not propagated, retrying in 1 s: " + err.getMessage());
        vertx.setTimer(1000, t -> propagate(update));
      });
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    writes.close();
    children.close();
    if (client != null) {
      client.close();
    }
    Future<?> etcdClosed = Future.succeededFuture();
    if (etcdWatch != null) {
      etcdWatch.close();
      Client closing = etcd;
      etcdClosed = vertx.executeBlocking(() -> {
        closing.close(); // shuts gRPC down: off the event loop
        return null;
      }, false);
    }
    Future<?> zookeeperReleased = Future.succeededFuture();
    if (zookeeper != null) {
      // Curator's close blocks: on a worker. A stop during start waits for the acquire, so the
      // process's one client is given back exactly once, and its last user closes it there.
      Future<CuratorFramework> acquired = zookeeper;
      zookeeperReleased = zookeeperCache.transform(ar -> vertx.executeBlocking(() -> {
        if (ar.succeeded()) {
          ar.result().close();
        }
        return null;
      }, false)).eventually(() -> acquired.transform(ar -> ar.succeeded()
        ? ZooKeeperSessions.release(vertx, ar.result()) : Future.succeededFuture()));
    }
    return Future.join(etcdClosed, zookeeperReleased);
  }

  private void connect() {
    if (stopping) {
      return;
    }
    // on this context: the client's answers and stream records come back on it
    SerfRpcClient.connect(vertx, agentHost, agentPort, authKey, limits).onComplete(ar -> {
      if (ar.failed()) {
        retry(ar.cause().getMessage());
        return;
      }
      if (stopping) {
        ar.result().close();
        return;
      }
      client = ar.result();
      SerfRpcClient connected = client;
      connected.closed().onComplete(closed -> disconnected(connected, closed.cause()));
      connected.stream("member-join,member-leave,member-failed,member-update,member-reap,user,query",
          event -> onEvent(connected, event))
        .onSuccess(v -> {
          backoff.reset(); // only a connection that streams counts: an agent that hangs up at once is retried slower
          status.clear(AGENT);
          status.state(StageStatus.RUNNING);
          status.detail("agent", agentHost + ":" + agentPort);
          LOG.info("following the serf agent at {}:{}", agentHost, agentPort);
          refreshMembers(connected); // what happened while the stream was closed
          connected.agentName().onSuccess(name -> {
            nodeId = name;
            status.detail("node", name);
            children.nodeId(name);
          }).onFailure(err -> status.problem(AGENT, "stats failed: " + err.getMessage()));
        })
        .onFailure(err -> connected.close()); // disconnected() retries
    });
  }

  /** Reports why the agent is unreachable and tries again after the next backoff. */
  private void retry(String why) {
    if (stopping) {
      return;
    }
    long delay = backoff.next();
    status.problem(AGENT, agentHost + ":" + agentPort + ": " + why + "; retrying in " + delay + " ms");
    status.state(StageStatus.DEGRADED);
    vertx.setTimer(delay, t -> connect());
  }

  private void disconnected(SerfRpcClient which, Throwable err) {
    if (stopping || which != client) {
      return;
    }
    client = null;
    retry("connection lost: " + (err == null ? "closed" : err.getMessage()));
  }

  private void onEvent(SerfRpcClient from, SerfEvent event) {
    status.increment("events");
    if (event.isMemberEvent()) {
      refreshMembers(from);
    } else if (ConfigUpdate.EVENT.equals(event.name())) {
      storeConfig(from, event);
    } else if ("user".equals(event.type())) {
      vertx.eventBus().publish(Addresses.SERF_EVENT_PREFIX + event.name(), new JsonObject().put("name", event.name())
        .put("payload", new String(event.payload(), StandardCharsets.UTF_8)).put("ltime", event.ltime()));
    }
  }

  private void refreshMembers(SerfRpcClient from) {
    from.members().onSuccess(members -> {
      lastMembers = List.copyOf(members);
      Map<String, String> problems = new TreeMap<>();
      MembershipFiles.problems(members).forEach(p -> problems.put("member " + p.member(), p.reason()));
      status.replaceProblems("member ", problems);
      status.detail("members", members.stream().filter(m -> "alive".equals(m.status())).count());
      List<Path> childDirs = children.dirs();
      // answers come in the order asked on the one connection, so a later answer is newer
      writes.submit("membership files", ++membersVersion, () -> writeMembership(members, childDirs));
    }).onFailure(err -> status.problem(AGENT, "members failed: " + err.getMessage()));
  }

  /** Blocking: the three files, each replaced only when its content changes. */
  private boolean writeMembership(List<SerfMember> members, List<Path> childDirs) throws Exception {
    boolean changed = ConfigFiles.writeIfChanged(confDir.resolve("services.json"),
      MembershipFiles.services(members).encodePrettily().getBytes(StandardCharsets.UTF_8));
    changed |= ConfigFiles.writeIfChanged(confDir.resolve("services.yml"),
      MembershipFiles.servicesYaml(members).getBytes(StandardCharsets.UTF_8));
    byte[] byId = SerfnodeFiles.byId(members).encodePrettily().getBytes(StandardCharsets.UTF_8);
    byte[] byRole = SerfnodeFiles.byRole(members).encodePrettily().getBytes(StandardCharsets.UTF_8);
    List<Path> serfnodeDirs = new java.util.ArrayList<>(childDirs);
    if (serfnodeRoot != null) {
      serfnodeDirs.add(serfnodeRoot);
    }
    List<String> hostLines = MembershipFiles.hostLines(members);
    for (Path dir : serfnodeDirs) {
      ConfigFiles.writeIfChanged(dir.resolve("serfnodes_by_id.json"), byId);
      ConfigFiles.writeIfChanged(dir.resolve("serfnodes_by_role.json"), byRole);
    }
    for (Path child : childDirs) {
      // a child's hosts file, for it to bind-mount over /etc/hosts
      Path childHosts = child.resolve("hosts");
      String text = Files.isRegularFile(childHosts) ? Files.readString(childHosts) : "127.0.0.1 localhost\n";
      ConfigFiles.writeIfChanged(childHosts, MembershipFiles.hostsFile(text, hostLines).getBytes(StandardCharsets.UTF_8));
    }
    String existing = Files.isRegularFile(hostsFile) ? Files.readString(hostsFile) : "";
    changed |= ConfigFiles.writeIfChanged(hostsFile,
      MembershipFiles.hostsFile(existing, hostLines).getBytes(StandardCharsets.UTF_8));
    return changed;
  }

  /** A child's line {@code ["<event_name>", {payload}]}: raised as a serf user event in the cluster. */
  private void fromFifo(Path child, String line) {
    String subject = "fifo " + child.resolve("parent");
    SerfRpcClient current = client;
    try {
      var event = SerfnodeFiles.fifoEvent(line);
      if (current == null) {
        status.problem(subject, "dropped a " + event.getKey() + " event: the serf agent is not connected");
        return;
      }
      current.event(event.getKey(), event.getValue(), false)
        .onSuccess(v -> {
          status.clear(subject);
          status.increment("fifoEvents");
        })
        .onFailure(err -> status.problem(subject, "serf refused the " + event.getKey() + " event: " + err.getMessage()));
    } catch (IllegalArgumentException e) {
      // its own subject: the next good line must not hide it
      status.problem(subject + " last dropped line", e.getMessage());
    }
  }

  /** A config_updated event or query: stored when newer; a query is answered either way. */
  private void storeConfig(SerfRpcClient from, SerfEvent event) {
    ConfigUpdate update;
    Path file;
    try {
      update = ConfigUpdate.parse(event.payload());
      file = configs.file(update);
    } catch (IllegalArgumentException e) {
      status.problem("config_updated", "refused a payload (" + event.type() + " at ltime " + event.ltime() + "): " + e.getMessage());
      answer(from, event, "error: " + e.getMessage());
      return;
    }
    ConfigUpdate accepted = update;
    // per file, in order, newest first: v12 finishing after v13 would leave v12 on disk; a failed
    // write is kept and retried by the writer, and the query is told of the failure
    writes.submit(file.toString(), accepted.version(), () -> configs.apply(accepted)).onComplete(ar -> {
      if (ar.failed()) {
        answer(from, event, "error: " + ar.cause().getMessage());
        return;
      }
      ConfigFiles.Outcome outcome = ar.result() == null ? ConfigFiles.Outcome.IGNORED : ar.result(); // null: a newer one came first
      status.clear("config_updated");
      status.increment(outcome == ConfigFiles.Outcome.STORED ? "configsStored" : "configsIgnored");
      LOG.info("config_updated {}/{} v{}: {}", accepted.product(), accepted.key(), accepted.version(),
        outcome.name().toLowerCase(java.util.Locale.ROOT));
      answer(from, event, outcome.name().toLowerCase(java.util.Locale.ROOT));
    });
  }

  private void answer(SerfRpcClient from, SerfEvent event, String answer) {
    if ("query".equals(event.type())) {
      from.respond(event.queryId(), answer.getBytes(StandardCharsets.UTF_8))
        .onFailure(err -> LOG.warn("cannot answer config_updated query {}: {}", event.queryId(), err.getMessage()));
    }
  }

  /** Sends {p,k,v,c} as a config_updated event, refusing what serf would refuse. */
  private Future<Void> sendConfig(JsonObject body) {
    return checkedPayload(body).compose(payload -> client.event(ConfigUpdate.EVENT, payload, false));
  }

  /**
   * Sends {p,k,v,c} as a config_updated query: the answer lists the nodes that acknowledged it and
   * what each node's handler said (stored, ignored, or the error).
   */
  private Future<JsonObject> queryConfig(JsonObject body) {
    return checkedPayload(body).compose(payload -> client.query(ConfigUpdate.EVENT, payload, true, 0))
      .map(result -> {
        JsonObject answers = new JsonObject();
        new TreeMap<>(result.responses()).forEach((node, answer) -> answers.put(node, new String(answer, StandardCharsets.UTF_8)));
        return new JsonObject().put("sent", true).put("as", "query")
          .put("acks", new JsonArray(result.acks().stream().sorted().toList())).put("answers", answers);
      });
  }

  /** The payload of a valid {p,k,v,c} within serf's limit, once the agent is connected. */
  private Future<byte[]> checkedPayload(JsonObject body) {
    if (client == null) {
      return Future.failedFuture("the serf agent at " + agentHost + ":" + agentPort + " is not connected");
    }
    try {
      return Future.succeededFuture(ConfigUpdate.parse(body.toBuffer().getBytes()).payload());
    } catch (IllegalArgumentException e) {
      status.problem("config_updated send", e.getMessage());
      return Future.failedFuture(e.getMessage());
    }
  }
}
