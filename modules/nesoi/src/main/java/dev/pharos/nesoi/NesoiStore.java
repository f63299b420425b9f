package dev.pharos.nesoi;

import io.vertx.core.json.JsonObject;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Nesoi's resources in ZooKeeper, so every node of a cluster answers the same and a restart
 * loses nothing. Each write of an app or a host and its change record go in one transaction:
 * the web-hook notifier reads the records from {@link #CHANGES} in order, so a change is never
 * lost between the write and its notification, whichever node wrote it.
 *
 * <pre>
 * /nesoi/app/{name}                 {"name","config","updated_at",...}
 * /nesoi/srv/{name}/{host}          {"name","endpoints","updated_at",...}
 * /nesoi/hooks/{app|srv}/{name}/{hook}  {"endpoint","name"}
 * /nesoi/changes/c-NNNNNNNNNN       {"uri":"/app/dm","kind":"app","name":"dm","ts"}
 * /nesoi/hookstate/{app|srv}/{name}/{hook}  {"failing","dropped","lastError","queued"}: the notifier's word on a hook
 * </pre>
 *
 * <p>Every method blocks: call them from {@code executeBlocking}.
 */
public final class NesoiStore {

  public static final String ROOT = "/nesoi";
  public static final String APPS = ROOT + "/app";
  public static final String SERVICES = ROOT + "/srv";
  public static final String HOOKS = ROOT + "/hooks";
  public static final String CHANGES = ROOT + "/changes";
  public static final String HOOK_STATE = ROOT + "/hookstate";

  private final CuratorFramework client;

  public NesoiStore(CuratorFramework client) {
    this.client = client;
  }

  public CuratorFramework client() {
    return client;
  }

  public static String appPath(String name) {
    return APPS + "/" + name;
  }

  public static String servicePath(String service) {
    return SERVICES + "/" + service;
  }

  public static String hostPath(String service, String host) {
    return servicePath(service) + "/" + host;
  }

  /** {@code kind} is {@code app} or {@code srv}. */
  public static String hooksPath(String kind, String name) {
    return HOOKS + "/" + kind + "/" + name;
  }

  public static String hookStatePath(String kind, String name, String hook) {
    return HOOK_STATE + "/" + kind + "/" + name + "/" + hook;
  }

  public void ensureLayout() throws Exception {
    for (String path : List.of(APPS, SERVICES, HOOKS + "/app", HOOKS + "/srv", CHANGES)) {
      ensurePersistent(path);
    }
  }

  /**
   * A plain persistent node, never a container: ZooKeeper deletes an emptied container, and the
   * notifier empties {@code /nesoi/changes} each time it has fanned the records out, after which
   * every write's transaction (which adds its change record there) would fail.
   */
  private void ensurePersistent(String path) throws Exception {
    if (client.checkExists().forPath(path) == null) {
      try {
        client.create().creatingParentsIfNeeded().forPath(path);
      } catch (KeeperException.NodeExistsException raced) {
        // another writer made it: fine
      }
    }
  }

  /** Stores an app. @return the URI path of the changed resource */
  public void putApp(String name, JsonObject app) throws Exception {
    write(appPath(name), app, change("app", name, "/app/" + name));
  }

  /** @return false when there was no such app */
  public boolean deleteApp(String name) throws Exception {
    return delete(appPath(name), change("app", name, "/app/" + name));
  }

  public void putHost(String service, String host, JsonObject doc) throws Exception {
    client.createContainers(servicePath(service));
    write(hostPath(service, host), doc, change("srv", service, "/srv/" + service + "/" + host));
  }

  public boolean deleteHost(String service, String host) throws Exception {
    return delete(hostPath(service, host), change("srv", service, "/srv/" + service + "/" + host));
  }

  /** Registers (or replaces) a hook; a replaced hook starts with no failures on record. */
  public void putHook(String kind, String name, JsonObject hook) throws Exception {
    String path = hooksPath(kind, name) + "/" + hook.getString("name");
    client.createContainers(hooksPath(kind, name));
    write(path, hook, null);
    deleteHookState(kind, name, hook.getString("name"));
  }

  public boolean deleteHook(String kind, String name, String hook) throws Exception {
    boolean deleted = delete(hooksPath(kind, name) + "/" + hook, null);
    deleteHookState(kind, name, hook);
    return deleted;
  }

  /** The notifier's account of a hook (failing, dropped, lastError), so every node's api can show it. */
  public void putHookState(String kind, String name, String hook, JsonObject state) throws Exception {
    String path = hookStatePath(kind, name, hook);
    try {
      client.setData().forPath(path, bytes(state));
    } catch (KeeperException.NoNodeException absent) {
      client.createContainers(path.substring(0, path.lastIndexOf('/')));
      try {
        client.create().forPath(path, bytes(state));
      } catch (KeeperException.NodeExistsException raced) {
        client.setData().forPath(path, bytes(state));
      }
    }
  }

  private void deleteHookState(String kind, String name, String hook) throws Exception {
    try {
      client.delete().forPath(hookStatePath(kind, name, hook));
    } catch (KeeperException.NoNodeException none) {
      // nothing on record
    }
  }

  /**
   * Records a change made elsewhere (the registrar's Docker registrations, shown under
   * {@code /srv/{app}}), so the hooks on that resource hear of it; nothing when it has none.
   */
  public void recordChange(String kind, String name, String uri) throws Exception {
    if (!hooked(kind, name)) {
      return;
    }
    ensurePersistent(CHANGES);
    client.create().withMode(CreateMode.PERSISTENT_SEQUENTIAL)
      .forPath(CHANGES + "/c-", bytes(change(kind, name, uri).put("ts", System.currentTimeMillis())));
  }

  /**
   * The change record of a write, or null when no web-hook is registered on the resource: a
   * record is only ever read to notify hooks, and without a hook (or without a web-hooks stage
   * to remove it) it would stay, so {@link #CHANGES} grows only while hooks listen. A hook hears
   * of the changes committed after it was registered.
   */
  private JsonObject change(String kind, String name, String uri) throws Exception {
    return hooked(kind, name) ? new JsonObject().put("uri", uri).put("kind", kind).put("name", name) : null;
  }

  private boolean hooked(String kind, String name) throws Exception {
    var stat = client.checkExists().forPath(hooksPath(kind, name));
    return stat != null && stat.getNumChildren() > 0;
  }

  private static byte[] bytes(JsonObject json) {
    return json.encode().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Creates or replaces {@code path}, with its change record, atomically. One retry when a racing
   * writer wins the create, or when a parent went meanwhile (an emptied service container, or a
   * changes node left a container by an older version), after making the parents again.
   */
  private void write(String path, JsonObject doc, JsonObject change) throws Exception {
    for (int attempt = 0; ; attempt++) {
      boolean exists = client.checkExists().forPath(path) != null;
      CuratorOp op = exists
        ? client.transactionOp().setData().forPath(path, bytes(doc))
        : client.transactionOp().create().forPath(path, bytes(doc));
      try {
        commit(op, change);
        return;
      } catch (KeeperException.NodeExistsException | KeeperException.NoNodeException raced) {
        if (attempt > 0) {
          throw raced;
        }
        client.createContainers(path.substring(0, path.lastIndexOf('/')));
        ensurePersistent(CHANGES);
      }
    }
  }

  private boolean delete(String path, JsonObject change) throws Exception {
    for (int attempt = 0; ; attempt++) {
      try {
        commit(client.transactionOp().delete().forPath(path), change);
        return true;
      } catch (KeeperException.NoNodeException missing) {
        // the resource is gone, or the change record's parent is: only the first means 404
        if (attempt > 0 || client.checkExists().forPath(path) == null) {
          return false;
        }
        ensurePersistent(CHANGES);
      }
    }
  }

  private void commit(CuratorOp op, JsonObject change) throws Exception {
    if (change == null) {
      client.transaction().forOperations(op);
      return;
    }
    CuratorOp record = client.transactionOp().create().withMode(CreateMode.PERSISTENT_SEQUENTIAL)
      .forPath(CHANGES + "/c-", bytes(change.copy().put("ts", System.currentTimeMillis())));
    client.transaction().forOperations(op, record);
  }
}
