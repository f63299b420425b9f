package dev.pharos.registrar.impl;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;

import java.util.ArrayList;
import java.util.List;

/**
 * Registration writes on ZooKeeper's own handle, under Curator's connection: unlike Curator's
 * create, they are never sent again after a lost reply, which would leave a second znode of one
 * instance for readers to see (the registrar finds out instead whether the write was applied).
 * Each result completes on the owner's context.
 */
final class HandleWrites {

  private final Context context;
  private final CuratorFramework client;

  HandleWrites(Context context, CuratorFramework client) {
    this.context = context;
    this.client = client;
  }

  /** One transaction deleting {@code existing} and creating the ephemeral-sequential {@code path}: the created name. */
  Future<String> replace(String path, byte[] data, List<String> existing) {
    Promise<String> created = Promise.promise();
    List<Op> ops = new ArrayList<>();
    for (String old : existing) {
      ops.add(Op.delete(old, -1));
    }
    ops.add(Op.create(path, data, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL_SEQUENTIAL));
    try {
      zooKeeper().multi(ops, (rc, p, ctx, results) -> context.runOnContext(v -> {
        if (rc != KeeperException.Code.OK.intValue()) {
          created.fail(KeeperException.create(firstFailure(rc, results), path)); // NoNode when a listed znode went
          return;
        }
        String name = null;
        for (OpResult r : results) {
          if (r instanceof OpResult.CreateResult c) {
            name = c.getPath();
          }
        }
        created.complete(unchrooted(name, path));
      }), null);
    } catch (Exception e) {
      created.fail(e);
    }
    return created.future();
  }

  /** One ephemeral-sequential create: the created name. */
  Future<String> createOne(CreateBatches.Create create) {
    Promise<String> created = Promise.promise();
    try {
      zooKeeper().create(create.path(), create.data(), ZooDefs.Ids.OPEN_ACL_UNSAFE,
        CreateMode.EPHEMERAL_SEQUENTIAL, (rc, p, ctx, name) -> context.runOnContext(v -> {
          if (rc == KeeperException.Code.OK.intValue()) {
            created.complete(unchrooted(name, create.path()));
          } else {
            created.fail(KeeperException.create(KeeperException.Code.get(rc), p));
          }
        }), null);
    } catch (Exception e) {
      created.fail(e);
    }
    return created.future();
  }

  /** Creates in one multi: each created name, in order. */
  Future<List<String>> createAll(List<CreateBatches.Create> batch) {
    Promise<List<String>> created = Promise.promise();
    List<Op> ops = new ArrayList<>(batch.size());
    batch.forEach(c -> ops.add(Op.create(c.path(), c.data(), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL_SEQUENTIAL)));
    try {
      zooKeeper().multi(ops, (rc, p, ctx, results) -> context.runOnContext(v -> {
        if (rc != KeeperException.Code.OK.intValue()) {
          created.fail(KeeperException.create(firstFailure(rc, results), p));
          return;
        }
        List<String> names = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
          names.add(unchrooted(((OpResult.CreateResult) results.get(i)).getPath(), batch.get(i).path()));
        }
        created.complete(names);
      }), null);
    } catch (Exception e) {
      created.fail(e);
    }
    return created.future();
  }

  private ZooKeeper zooKeeper() throws Exception {
    return client.getZookeeperClient().getZooKeeper();
  }

  /** A multi's own code is its first failed op's; the ops after it say only that they were not run. */
  private static KeeperException.Code firstFailure(int rc, List<OpResult> results) {
    if (results != null) {
      for (OpResult r : results) {
        if (r instanceof OpResult.ErrorResult e && e.getErr() != KeeperException.Code.OK.intValue()
          && e.getErr() != KeeperException.Code.RUNTIMEINCONSISTENCY.intValue()) {
          return KeeperException.Code.get(e.getErr());
        }
      }
    }
    return KeeperException.Code.get(rc);
  }

  /**
   * The created path as this client names it. A multi's create result keeps the chroot of the
   * connect string (a plain create's does not), so it is cut to the requested path and its
   * sequence number.
   */
  static String unchrooted(String created, String requested) {
    int length = requested.length() + 10;
    return created.length() > length ? created.substring(created.length() - length) : created;
  }
}
