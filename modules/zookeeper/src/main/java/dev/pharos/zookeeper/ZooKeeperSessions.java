package dev.pharos.zookeeper;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.apache.curator.framework.CuratorFramework;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One Curator client, so one ZooKeeper session, per process (per {@link Vertx}) and ZooKeeper
 * address, shared by every stage that needs one: a node's registrations, its stage
 * memberships and its watches live and die together with that one session. The first stage
 * to ask starts it; the last to give it back closes it, which removes the node's ephemeral
 * znodes at once.
 */
public final class ZooKeeperSessions {

  private record Key(Vertx vertx, String connect) {
  }

  private static final class Shared {
    final CuratorFramework client;
    int users;

    Shared(CuratorFramework client) {
      this.client = client;
    }
  }

  private static final Map<Key, Shared> SHARED = new HashMap<>();

  private ZooKeeperSessions() {
  }

  /** The process's started client for {@code zookeeperConf}; give it back with {@link #release}. */
  public static Future<CuratorFramework> acquire(Vertx vertx, JsonObject zookeeperConf) {
    return vertx.executeBlocking(() -> {
      Key key = new Key(vertx, zookeeperConf.getString("connect"));
      synchronized (SHARED) {
        Shared shared = SHARED.get(key);
        if (shared == null) {
          shared = new Shared(ZooKeeperClients.start(zookeeperConf));
          SHARED.put(key, shared);
        }
        shared.users++;
        return shared.client;
      }
    }, false);
  }

  /** Gives the client back; the last user's release closes it (on a worker: closing blocks). */
  public static Future<Void> release(Vertx vertx, CuratorFramework client) {
    if (client == null) {
      return Future.succeededFuture();
    }
    return vertx.executeBlocking(() -> {
      CuratorFramework toClose = null;
      synchronized (SHARED) {
        for (Map.Entry<Key, Shared> e : List.copyOf(SHARED.entrySet())) {
          if (e.getKey().vertx() == vertx && e.getValue().client == client && --e.getValue().users == 0) {
            SHARED.remove(e.getKey());
            toClose = client;
          }
        }
      }
      if (toClose != null) {
        toClose.close();
      }
      return null;
    }, false);
  }
}
