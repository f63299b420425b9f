package dev.pharos.registrar.impl;

import dev.pharos.model.Maintenance;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.zookeeper.KeeperException;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The maintenance znodes under {@code /pharos/maintenance}: followed with Curator's CuratorCache
 * (every registrar sees every drain, and a restarted one finds them), and written on request.
 * The listener runs on the owner's context; every ZooKeeper call runs on a worker.
 */
public final class MaintenanceStore implements AutoCloseable {

  private final Context context;
  private final CuratorFramework client;
  private final Consumer<Maintenance> on;
  private final Consumer<String> off;
  private final Map<String, Maintenance> entries = new ConcurrentHashMap<>();
  private CuratorCache cache;

  /** @param on told of an instance put in maintenance, {@code off} of one taken out, on {@code context} */
  public MaintenanceStore(Context context, CuratorFramework client, Consumer<Maintenance> on, Consumer<String> off) {
    this.context = context;
    this.client = client;
    this.on = on;
    this.off = off;
  }

  /** Completes once the cache holds what ZooKeeper has now. */
  public Future<Void> start() {
    Promise<Void> loaded = Promise.promise();
    return context.owner().executeBlocking(() -> {
      client.create().orSetData().creatingParentContainersIfNeeded().forPath(Maintenance.ROOT);
      cache = CuratorCache.build(client, Maintenance.ROOT);
      cache.listenable().addListener(CuratorCacheListener.builder()
        .forCreatesAndChanges((before, node) -> changed(node, true))
        .forDeletes(node -> changed(node, false))
        .forInitialized(() -> context.runOnContext(x -> loaded.tryComplete()))
        .build());
      cache.start();
      return null;
    }).compose(v -> loaded.future());
  }

  public Maintenance get(String instanceId) {
    return entries.get(instanceId);
  }

  public boolean contains(String instanceId) {
    return entries.containsKey(instanceId);
  }

  /** Puts the instance in maintenance, or takes it out; the cache then tells every registrar. */
  public Future<Void> write(Maintenance entry, boolean inMaintenance) {
    String path = Maintenance.path(entry.instanceId());
    return context.owner().executeBlocking(() -> {
      if (inMaintenance) {
        client.create().orSetData().creatingParentContainersIfNeeded().forPath(path, entry.toZnode());
      } else {
        try {
          client.delete().forPath(path);
        } catch (KeeperException.NoNodeException gone) {
          // already out
        }
      }
      return null;
    });
  }

  private void changed(ChildData node, boolean present) {
    if (node.getPath().equals(Maintenance.ROOT)) {
      return;
    }
    String id = node.getPath().substring(Maintenance.ROOT.length() + 1);
    Maintenance entry = present ? Maintenance.fromZnode(id, node.getData() == null ? new byte[0] : node.getData()) : null;
    context.runOnContext(x -> {
      if (entry != null) {
        entries.put(id, entry);
        on.accept(entry);
      } else {
        entries.remove(id);
        off.accept(id);
      }
    });
  }

  @Override
  public void close() {
    if (cache != null) {
      cache.close();
    }
  }
}
