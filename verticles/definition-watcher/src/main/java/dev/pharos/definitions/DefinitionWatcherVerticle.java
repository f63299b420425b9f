package dev.pharos.definitions;

import dev.pharos.PharosConfig;
import dev.pharos.bus.Addresses;
import dev.pharos.etcd.EtcdClients;
import dev.pharos.etcd.EtcdPrefixWatch;
import dev.pharos.checks.CheckTypes;
import dev.pharos.model.Definition;
import dev.pharos.model.DefinitionParser;
import dev.pharos.model.InvalidDefinitionException;
import dev.pharos.stage.StageStatus;
import dev.pharos.zookeeper.ZnodeFollower;
import dev.pharos.zookeeper.ZooKeeperSessions;
import io.etcd.jetcd.Client;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executor;

/**
 * Watches ZooKeeper for definitions at {@code /env/{env}/sd/{app}} ({@link ZnodeFollower}:
 * one persistent recursive watch, a read only of a definition that changed, never of the
 * registrations below them); and, when etcd is configured, etcd under a prefix ({@code /env/{env}/sd/{app}} by default)
 * with a pull then a watch; publishes them on {@link Addresses#DEFINITIONS}. A malformed
 * definition is reported and the last good one kept; deleting any part of a tree only retracts.
 * When both stores define the same app, ZooKeeper's definition is the one used.
 */
public class DefinitionWatcherVerticle extends VerticleBase {

  static final String ROOT = "/env";
  /** Nerve's definitions below {@link #ROOT}: {@code {env}/sd/{app}}. */
  static final List<String> DEFINITIONS = List.of(ZnodeFollower.ANY, "sd", ZnodeFollower.ANY);

  /** Definitions that failed to parse, by path ("etcd <key>" for etcd's), with the reason. */
  private final java.util.Map<String, String> malformed = new java.util.TreeMap<>();

  /** Last good definition of each store, by {@code env/app}. */
  private final Map<String, Definition> zookeeper = new TreeMap<>();
  private final Map<String, Definition> etcd = new TreeMap<>();
  /** What was last published for each {@code env/app}, and from which store. */
  private final Map<String, Definition> published = new TreeMap<>();
  private final Map<String, String> publishedFrom = new TreeMap<>();
  private StageStatus status;
  private CuratorFramework client;
  private ZnodeFollower definitions;
  /** Definition events from ZooKeeper: registrations below the definitions must not add to it. */
  private long zookeeperEvents;
  private Client etcdClient;
  private EtcdPrefixWatch etcdWatch;
  private String etcdPrefix;
  private boolean zookeeperLoaded;
  private final org.apache.curator.framework.state.ConnectionStateListener connectionListener = (c, state) -> connectionChanged(state);
  private boolean etcdLoaded;

  @Override
  public Future<?> start() {
    JsonObject conf = config();
    status = new StageStatus(Addresses.DEFINITION_WATCHER, PharosConfig.node(conf));
    Context ctx = context;
    Executor onContext = task -> ctx.runOnContext(v -> task.run());
    // a partial snapshot would make a checker drop healthy instances: none until every store has loaded
    vertx.eventBus().<JsonObject>consumer(Addresses.DEFINITIONS_SNAPSHOT, msg -> {
      if (zookeeperLoaded && (etcdWatch == null || etcdLoaded)) {
        msg.reply(snapshot());
      } else {
        msg.fail(503, "definitions not loaded yet" + (zookeeperLoaded ? " from etcd" : " from ZooKeeper"));
      }
    });
    JsonObject etcdConf = conf.getJsonObject("etcd", new JsonObject());
    if (EtcdClients.configured(etcdConf)) {
      etcdPrefix = etcdConf.getString("definitionsPrefix", ROOT + "/");
      etcdClient = EtcdClients.create(vertx, etcdConf);
      etcdWatch = new EtcdPrefixWatch(etcdClient, context, etcdPrefix, etcdListener());
    }
    return status.register(vertx).compose(v -> ZooKeeperSessions.acquire(vertx, conf.getJsonObject("zookeeper")))
      .compose(c -> vertx.executeBlocking(() -> {
      client = c;
      client.getConnectionStateListenable().addListener(connectionListener, onContext);
      definitions = new ZnodeFollower(client, ctx, ROOT, DEFINITIONS, new ZnodeFollower.Listener() {
        @Override
        public void changed(String path, long version, byte[] data) {
          counted(() -> DefinitionWatcherVerticle.this.changed(zookeeper, "zookeeper", ROOT + "/", path, version, data));
        }

        @Override
        public void deleted(String path) {
          counted(() -> zookeeperDeleted(path));
        }

        @Override
        public void loaded() {
          zookeeperLoaded = true;
          status.state(StageStatus.RUNNING);
        }
      });
      definitions.start();
      return null;
    })).onSuccess(v -> {
      if (etcdWatch != null) {
        etcdWatch.start();
      }
    });
  }

  @Override
  public Future<?> stop() {
    if (etcdWatch != null) {
      etcdWatch.close();
      etcdClient.close();
    }
    return vertx.executeBlocking(() -> {
      if (definitions != null) {
        definitions.close();
      }
      if (client != null) {
        client.getConnectionStateListenable().removeListener(connectionListener);
      }
      return null;
    }).eventually(() -> ZooKeeperSessions.release(vertx, client));
  }

  private void counted(Runnable handler) {
    status.detail("zookeeperEvents", ++zookeeperEvents);
    status.detail("zookeeperReads", definitions.reads());
    handler.run();
  }

  private void connectionChanged(ConnectionState state) {
    status.detail("zookeeper", state.name());
    if (state == ConnectionState.LOST || state == ConnectionState.SUSPENDED) {
      status.state(StageStatus.DEGRADED);
    } else if (state.isConnected() && zookeeperLoaded) {
      status.state(StageStatus.RUNNING);
    }
  }

  private JsonObject snapshot() {
    JsonArray list = new JsonArray();
    published.values().forEach(d -> list.add(d.toJson()));
    JsonArray bad = new JsonArray();
    malformed.forEach((subject, reason) -> bad.add(new JsonObject().put("path", subject).put("reason", reason)));
    return new JsonObject().put("definitions", list).put("malformed", bad);
  }

  /** {@code [env, app]} when {@code path}, below {@code root}, is {@code {env}/sd/{app}}; otherwise null. */
  static String[] definitionKey(String root, String path) {
    if (!path.startsWith(root)) {
      return null;
    }
    String[] parts = path.substring(root.length()).split("/", -1);
    if (parts.length == 3 && !parts[0].isEmpty() && parts[1].equals("sd") && !parts[2].isEmpty()) {
      return new String[]{parts[0], parts[2]};
    }
    return null;
  }

  private void zookeeperDeleted(String path) {
    deleted(zookeeper, ROOT + "/", path);
  }

  private EtcdPrefixWatch.Listener etcdListener() {
    return new EtcdPrefixWatch.Listener() {
      @Override
      public void snapshot(Map<String, byte[]> values, long revision) {
        status.clear("etcd " + etcdPrefix);
        etcdLoaded = true;
        Set<String> keys = new HashSet<>();
        values.forEach((key, value) -> {
          String[] ids = definitionKey(etcdPrefix, key);
          if (ids != null) {
            keys.add(ids[0] + "/" + ids[1]);
            changed(etcd, "etcd", etcdPrefix, key, revision, value);
          }
        });
        for (Definition gone : Map.copyOf(etcd).values()) {
          if (!keys.contains(gone.key())) {
            deleted(etcd, etcdPrefix, etcdPrefix + gone.env() + "/sd/" + gone.app());
          }
        }
      }

      @Override
      public void put(String key, byte[] value, long revision) {
        changed(etcd, "etcd", etcdPrefix, key, revision, value);
      }

      @Override
      public void delete(String key, long revision) {
        deleted(etcd, etcdPrefix, key);
      }

      @Override
      public void failed(Throwable err, long retryMs) {
        status.problem("etcd " + etcdPrefix, "watch failed, pulling again in " + retryMs + " ms: " + err.getMessage());
      }
    };
  }

  /** A store's definition at {@code path} was written: parse it, keep it if good, publish what wins. */
  private void changed(Map<String, Definition> store, String storeName, String root, String path, long version, byte[] data) {
    String[] ids = definitionKey(root, path);
    if (ids == null) {
      return;
    }
    String key = ids[0] + "/" + ids[1];
    Definition known = store.get(key);
    if (known != null && known.version() >= version) {
      return;
    }
    String subject = storeName.equals("zookeeper") ? path : "etcd " + path;
    try {
      Definition definition = DefinitionParser.parse(ids[0], ids[1], version, data, CheckTypes.standard());
      status.clear(subject);
      malformed.remove(subject);
      store.put(key, definition);
      publish(key);
    } catch (InvalidDefinitionException e) {
      String kept = known == null ? "" : " (keeping the previous version)";
      status.problem(subject, "malformed definition: " + e.getMessage() + kept);
      malformed.put(subject, e.getMessage() + kept);
    }
  }

  private void deleted(Map<String, Definition> store, String root, String path) {
    status.clear(store == etcd ? "etcd " + path : path);
    malformed.remove(store == etcd ? "etcd " + path : path);
    String[] ids = definitionKey(root, path);
    if (ids != null && store.remove(ids[0] + "/" + ids[1]) != null) {
      publish(ids[0] + "/" + ids[1]);
    }
  }

  /**
   * Publishes the definition that now holds for {@code key}: ZooKeeper's, else etcd's, else a
   * delete. Versions of different stores do not compare, so a switch of store retracts first.
   */
  private void publish(String key) {
    Definition zk = zookeeper.get(key);
    Definition et = etcd.get(key);
    Definition now = zk != null ? zk : et;
    String from = zk != null ? "zookeeper" : "etcd";
    if (zk != null && et != null) {
      status.problem("etcd " + etcdPrefix + et.env() + "/sd/" + et.app(), "also defined in ZooKeeper at " + zk.path() + ", which is used");
    } else if (et != null) {
      status.clear("etcd " + etcdPrefix + et.env() + "/sd/" + et.app());
    }
    Definition before = published.get(key);
    if (before != null && (now == null || !from.equals(publishedFrom.get(key)))) {
      published.remove(key);
      publishedFrom.remove(key);
      vertx.eventBus().publish(Addresses.DEFINITIONS, new JsonObject().put("type", "delete")
        .put("env", before.env()).put("app", before.app()).put("path", before.path())
        .put("version", now == null ? before.version() : Long.MAX_VALUE));
    }
    if (now != null && now != published.get(key)) {
      published.put(key, now);
      publishedFrom.put(key, from);
      vertx.eventBus().publish(Addresses.DEFINITIONS, new JsonObject().put("type", "put").put("definition", now.toJson()));
    }
    status.detail("definitions", published.size());
  }
}
