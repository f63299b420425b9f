package dev.pharos.zookeeper;

import dev.pharos.ownership.Member;
import dev.pharos.ownership.Ownership;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The live members of one stage, kept in ZooKeeper as Curator group membership: each member
 * is an ephemeral znode {@code /pharos/members/<group>/<stage>/<id>} holding its {@link Member} JSON,
 * which Curator's {@link PersistentNode} re-creates after a session loss; everyone follows the
 * group with a {@link CuratorCache}. A member's session is its znode's ephemeral owner.
 *
 * <p>{@code onChange} runs on the given context with the new {@link Ownership} whenever the
 * member set changes, after the cache has loaded.
 */
public final class StageMembership {

  private static final Logger LOG = LoggerFactory.getLogger(StageMembership.class);
  public static final String ROOT = "/pharos/members";
  private static final long JOIN_TIMEOUT_S = 30;
  /** How long a removed predecessor's member has to come back to prove its process alive. */
  private static final long LIVE_CHECK_MS = 2000;

  private final CuratorFramework client;
  private final String group;
  private final String stage;
  private final Member me;
  private final Context context;
  private final Consumer<Ownership> onChange;
  private PersistentNode node;
  private volatile CuratorCache cache;
  /** The session the current cache read the group under. */
  private volatile long cacheSession;
  private volatile boolean initialized;
  private volatile boolean closed;
  /** The group as last read from the cache, on Curator's thread. */
  private volatile Ownership latest = Ownership.empty();
  /** The group as delivered to the owner's context: what its decisions use, so none is ahead of onChange. */
  private volatile Ownership current = Ownership.empty();
  private final Set<Long> predecessors = ConcurrentHashMap.newKeySet();

  /** @param me this stage instance, or null to follow the group without joining it */
  public StageMembership(CuratorFramework client, String group, String stage, Member me, Context context,
                         Consumer<Ownership> onChange) {
    this.client = client;
    this.group = group;
    this.stage = stage;
    this.me = me;
    this.context = context;
    this.onChange = onChange;
  }

  /**
   * The group a node's stages divide work in: the Vert.x cluster (its root path) when clustered,
   * since only stages on one event bus can hand work to each other; otherwise this process alone.
   */
  public static String group(Vertx vertx, JsonObject conf) {
    if (vertx.isClustered()) {
      return conf.getJsonObject("cluster", new JsonObject()).getString("rootPath", "pharos-cluster");
    }
    return (String) vertx.sharedData().getLocalMap("pharos.membership")
      .computeIfAbsent("group", k -> "standalone-" + UUID.randomUUID());
  }

  private String path() {
    return ROOT + "/" + group + "/" + stage;
  }

  /**
   * Joins (when a member) and loads the group; completes once both are done. A member also
   * removes its predecessors: members of the same node name held by another session, left by
   * an earlier process of this node that was killed, whose session has not expired yet.
   */
  public Future<Void> start() {
    return context.owner().<Void>executeBlocking(() -> {
      if (me != null) {
        byte[] data = me.toJson().put("session", (Object) null).toBuffer().getBytes();
        node = new PersistentNode(client, CreateMode.EPHEMERAL, false, path() + "/" + me.id(), data);
        node.start();
        if (!node.waitForInitialCreate(JOIN_TIMEOUT_S, TimeUnit.SECONDS)) {
          throw new IllegalStateException("could not join " + path() + " within " + JOIN_TIMEOUT_S + " s");
        }
      }
      CountDownLatch loaded = new CountDownLatch(1);
      follow(loaded::countDown);
      if (!loaded.await(JOIN_TIMEOUT_S, TimeUnit.SECONDS)) {
        throw new IllegalStateException("could not read " + path() + " within " + JOIN_TIMEOUT_S + " s");
      }
      client.getConnectionStateListenable().addListener(connection);
      if (me != null) {
        removePredecessors();
        refuseSecondWatcherOfMyHost();
      }
      return null;
    }, false).onFailure(err -> context.owner().executeBlocking(() -> {
      close(); // a refused or timed-out start leaves no member behind
      return null;
    }, false));
  }

  /**
   * Follows the group with a new cache, which replaces the one before once started; the
   * cache's events count only while it is the current one.
   */
  private void follow(Runnable onLoaded) {
    long session = sessionId();
    java.util.concurrent.atomic.AtomicBoolean loaded = new java.util.concurrent.atomic.AtomicBoolean();
    CuratorCache fresh = CuratorCache.build(client, path());
    fresh.listenable().addListener(CuratorCacheListener.builder()
      .forInitialized(() -> {
        loaded.set(true);
        if (cache == fresh) {
          cacheSession = session;
          initialized = true;
          changed();
        }
        onLoaded.run();
      })
      .forAll((type, oldNode, newNode) -> {
        // a member's data never changes: creates and deletes are what matter
        if (loaded.get() && cache == fresh) {
          changed();
        }
      }).build());
    CuratorCache before = cache;
    cache = fresh;
    fresh.start();
    if (before != null) {
      before.close();
    }
  }

  /**
   * A new session (the old one expired) makes the cache's view the past: its watches went with
   * the session, and Curator's cache does not always read the group again by itself. The group
   * is read anew, and until then {@link #ready()} says no.
   */
  private final org.apache.curator.framework.state.ConnectionStateListener connection = this::connectionChanged;

  private void connectionChanged(CuratorFramework c, org.apache.curator.framework.state.ConnectionState state) {
    if (state == org.apache.curator.framework.state.ConnectionState.RECONNECTED && !closed && sessionId() != cacheSession) {
      LOG.info("{}: a new ZooKeeper session; reading the group again", path());
      context.owner().executeBlocking(() -> {
        if (!closed) {
          follow(() -> { });
        }
        return null;
      }, false);
    }
  }

  private void removePredecessors() throws Exception {
    long session = client.getZookeeperClient().getZooKeeper().getSessionId();
    for (Member m : latest.members()) {
      if (m.node().equals(me.node()) && m.session() != session && m.session() != 0) {
        LOG.info("{}: removing member {} of node {}, left by an earlier process of this node (session 0x{})",
          path(), m.id(), m.node(), Long.toHexString(m.session()));
        predecessors.add(m.session());
        String memberPath = path() + "/" + m.id();
        CountDownLatch back = new CountDownLatch(1);
        boolean recreated;
        try {
          client.delete().forPath(memberPath);
          // a live process re-creates its member at once (its PersistentNode): then two live
          // processes share this node name, which would make them remove each other forever.
          // It may be back before the watch is set: the answer to setting it says so.
          recreated = client.checkExists().usingWatcher((org.apache.zookeeper.Watcher) e -> back.countDown())
            .forPath(memberPath) != null;
        } catch (KeeperException.NoNodeException gone) {
          continue; // its session ended meanwhile
        }
        if (recreated || back.await(LIVE_CHECK_MS, TimeUnit.MILLISECONDS) && client.checkExists().forPath(memberPath) != null) {
          throw new IllegalStateException("node name '" + me.node() + "' is used by another live process (ZooKeeper session 0x"
            + Long.toHexString(m.session()) + "): give each process its own `node` or `instanceId`");
        }
      }
    }
  }

  /**
   * Two nodes whose docker watchers claim one host id would give one instance id to two
   * containers: refused, naming the setting. A killed earlier process of this host under another
   * node name holds its claim until its session expires.
   */
  private void refuseSecondWatcherOfMyHost() {
    if (me.affinity() == null) {
      return;
    }
    for (Member m : latest.members()) {
      if (me.affinity().equals(m.affinity()) && !m.node().equals(me.node()) && !predecessors.contains(m.session())) {
        throw new IllegalStateException("instanceId '" + me.affinity() + "' is also the Docker host of node '" + m.node()
          + "' (ZooKeeper session 0x" + Long.toHexString(m.session()) + "): give each Docker host its own `instanceId`"
          + " (if that node was this host's earlier process, its session expires within zookeeper.sessionTimeoutMs)");
      }
    }
  }

  /** Sessions of this node's earlier processes whose members {@link #start} removed. */
  public Set<Long> predecessors() {
    return Set.copyOf(predecessors);
  }

  /**
   * True once the group has loaded and, for a member, shows this member under the client's
   * current session (on the owner's context). After a session expired, the view still holds
   * this member's old znode until the new one is seen: until then the view is the past, and a
   * stage that decided by it would take back what others now own, only to hand it over again.
   */
  public boolean ready() {
    if (!initialized) {
      return false;
    }
    if (me == null) {
      return true;
    }
    Member mine = current.member(me.id());
    long session = sessionId();
    return mine != null && cacheSession == session && (mine.session() == 0 || mine.session() == session);
  }

  private long sessionId() {
    try {
      return client.getZookeeperClient().getZooKeeper().getSessionId();
    } catch (Exception e) {
      return 0;
    }
  }

  public Ownership current() {
    return current;
  }

  public Member me() {
    return me;
  }

  /** Leaves the group (its znode goes at once) and stops following it. Blocking: call from a worker. */
  public void close() {
    closed = true;
    try {
      if (node != null) {
        node.close();
      }
    } catch (Exception e) {
      LOG.warn("leaving {}: {}", path(), e.getMessage());
    }
    client.getConnectionStateListenable().removeListener(connection);
    if (cache != null) {
      cache.close();
    }
  }

  private synchronized void changed() {
    String parent = path();
    List<Member> members = new ArrayList<>();
    cache.stream().forEach(child -> {
      Member member = member(parent, child);
      if (member != null) {
        members.add(member);
      }
    });
    Ownership next = new Ownership(members);
    if (!next.equals(latest)) {
      latest = next;
      context.runOnContext(v -> {
        if (!closed) {
          current = next;
          onChange.accept(next);
        }
      });
    }
  }

  private static Member member(String parent, ChildData child) {
    String path = child.getPath();
    if (!path.startsWith(parent + "/") || path.indexOf('/', parent.length() + 1) >= 0 || child.getData() == null) {
      return null;
    }
    try {
      Member read = Member.fromJson(new JsonObject(new String(child.getData(), StandardCharsets.UTF_8)));
      long session = child.getStat() == null ? 0 : child.getStat().getEphemeralOwner();
      return new Member(read.id(), read.node(), read.affinity(), session);
    } catch (RuntimeException e) {
      LOG.warn("{}: not a member record: {}", path, e.getMessage());
      return null;
    }
  }
}
