package dev.pharos.definitions;

import dev.pharos.PharosConfig;
import dev.pharos.bus.Addresses;
import dev.pharos.model.Definition;
import dev.pharos.model.DefinitionParser;
import dev.pharos.model.InvalidDefinitionException;
import dev.pharos.stage.StageStatus;
import dev.pharos.zookeeper.ZooKeeperClients;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.framework.state.ConnectionState;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executor;

/**
 * Watches ZooKeeper for definitions at {@code /env/{env}/sd/{app}} with Curator's CuratorCache
 * and publishes them on {@link Addresses#DEFINITIONS}. A malformed definition is reported and
 * the last good one kept; deleting any part of the tree, however deep, only retracts.
 */
public class DefinitionWatcherVerticle extends VerticleBase {

  static final String ROOT = "/env";

  private final Map<String, Definition> definitions = new TreeMap<>();
  private StageStatus status;
  private CuratorFramework client;
  private CuratorCache cache;

  @Override
  public Future<?> start() {
    JsonObject conf = config();
    status = new StageStatus(Addresses.DEFINITION_WATCHER, PharosConfig.node(conf));
    Context ctx = context;
    Executor onContext = task -> ctx.runOnContext(v -> task.run());
    vertx.eventBus().<JsonObject>consumer(Addresses.DEFINITIONS_SNAPSHOT, msg -> msg.reply(snapshot()));
    return status.register(vertx).compose(v -> vertx.executeBlocking(() -> {
      client = ZooKeeperClients.start(conf.getJsonObject("zookeeper"));
      client.getConnectionStateListenable().addListener((c, state) -> connectionChanged(state), onContext);
      cache = CuratorCache.build(client, ROOT);
      cache.listenable().addListener(CuratorCacheListener.builder()
        .forCreatesAndChanges((oldNode, node) -> changed(node))
        .forDeletes(this::deleted)
        .forInitialized(() -> status.state(StageStatus.RUNNING))
        .build(), onContext);
      cache.start();
      return null;
    }));
  }

  @Override
  public Future<?> stop() {
    return vertx.executeBlocking(() -> {
      if (cache != null) {
        cache.close();
      }
      if (client != null) {
        client.close();
      }
      return null;
    });
  }

  private void connectionChanged(ConnectionState state) {
    status.detail("zookeeper", state.name());
    if (state == ConnectionState.LOST || state == ConnectionState.SUSPENDED) {
      status.state(StageStatus.DEGRADED);
    } else if (state.isConnected()) {
      status.state(StageStatus.RUNNING);
    }
  }

  private JsonObject snapshot() {
    JsonArray list = new JsonArray();
    definitions.values().forEach(d -> list.add(d.toJson()));
    return new JsonObject().put("definitions", list);
  }

  /** {@code [env, app]} when {@code path} is a definition's path, otherwise null. */
  static String[] definitionKey(String path) {
    String[] parts = path.split("/", -1);
    // "", "env", {env}, "sd", {app}
    if (parts.length == 5 && parts[0].isEmpty() && parts[1].equals("env") && parts[3].equals("sd")) {
      return new String[]{parts[2], parts[4]};
    }
    return null;
  }

  private void changed(ChildData node) {
    String[] key = definitionKey(node.getPath());
    if (key == null) {
      return;
    }
    long version = node.getStat() == null ? 0 : node.getStat().getMzxid();
    Definition known = definitions.get(node.getPath());
    if (known != null && known.version() >= version) {
      return;
    }
    try {
      Definition definition = DefinitionParser.parse(key[0], key[1], version, node.getData());
      status.clear(node.getPath());
      definitions.put(node.getPath(), definition);
      vertx.eventBus().publish(Addresses.DEFINITIONS,
        new JsonObject().put("type", "put").put("definition", definition.toJson()));
    } catch (InvalidDefinitionException e) {
      String kept = known == null ? "" : " (keeping the previous version)";
      status.problem(node.getPath(), "malformed definition: " + e.getMessage() + kept);
    }
    status.detail("definitions", definitions.size());
  }

  private void deleted(ChildData node) {
    status.clear(node.getPath());
    Definition gone = definitions.remove(node.getPath());
    if (gone != null) {
      vertx.eventBus().publish(Addresses.DEFINITIONS, new JsonObject().put("type", "delete")
        .put("env", gone.env()).put("app", gone.app()).put("path", gone.path()).put("version", gone.version()));
    }
    status.detail("definitions", definitions.size());
  }
}
