package dev.pharos.launcher;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import io.vertx.core.Completable;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.NodeListener;
import io.vertx.spi.cluster.zookeeper.ZookeeperClusterManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Logs cluster peers once per state change. Vert.x's clustered event bus logs a full stack trace
 * for every attempt to reach a peer that vanished (a {@code kill -9}), several a second until the
 * peer's ZooKeeper session expires. This filter lets the first such failure through as one line
 * and drops the rest until the peer leaves or joins the cluster, which the cluster manager below
 * reports once each. A peer not tried for {@link #QUIET_MS} is reported again on its next failure.
 */
final class ClusterPeers extends TurboFilter {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterPeers.class);
  private static final String BUS_LOGGERS = "io.vertx.core.eventbus.impl.clustered.";
  private static final Pattern PEER_FAILURE = Pattern.compile("^(?:Connecting to server|No pong from server) (\\S+)");
  static final long QUIET_MS = 30_000;
  private static final ClusterPeers INSTANCE = new ClusterPeers();

  private record Failing(long since, long last, long suppressed) {
  }

  private final Map<String, Failing> failing = new ConcurrentHashMap<>();

  private ClusterPeers() {
  }

  /** Installs the filter once per process, when logback is the logging backend. */
  static synchronized void install() {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context && !context.getTurboFilterList().contains(INSTANCE)) {
      INSTANCE.setName("pharos-cluster-peers");
      INSTANCE.start();
      context.addTurboFilter(INSTANCE);
    }
  }

  /**
   * Vert.x's ZooKeeper cluster manager whose member changes are logged once each and reset the
   * filter. Vert.x itself may set no node listener (no HA), so ours is installed on join, and
   * passes the changes on to the one Vert.x sets, if any.
   */
  static ZookeeperClusterManager clusterManager(JsonObject conf) {
    return new ZookeeperClusterManager(conf) {
      private volatile NodeListener vertxListener;
      private final NodeListener logging = new NodeListener() {
        @Override
        public void nodeAdded(String nodeId) {
          INSTANCE.failing.remove(nodeId);
          LOG.info("cluster node {} joined", nodeId);
          NodeListener next = vertxListener;
          if (next != null) {
            next.nodeAdded(nodeId);
          }
        }

        @Override
        public void nodeLeft(String nodeId) {
          Failing gone = INSTANCE.failing.remove(nodeId);
          LOG.info("cluster node {} left{}", nodeId, gone == null ? ""
            : " (" + gone.suppressed() + " more failed attempts to reach it were not logged)");
          NodeListener next = vertxListener;
          if (next != null) {
            next.nodeLeft(nodeId);
          }
        }
      };

      @Override
      public void nodeListener(NodeListener listener) {
        vertxListener = listener;
        super.nodeListener(logging);
      }

      @Override
      public void join(Completable<Void> promise) {
        super.nodeListener(logging);
        super.join(promise);
      }
    };
  }

  @Override
  public FilterReply decide(Marker marker, ch.qos.logback.classic.Logger logger, Level level, String format,
                            Object[] params, Throwable t) {
    if (format == null || !logger.getName().startsWith(BUS_LOGGERS) || !level.isGreaterOrEqual(Level.WARN)) {
      return FilterReply.NEUTRAL;
    }
    Matcher m = PEER_FAILURE.matcher(format);
    if (!m.find()) {
      return FilterReply.NEUTRAL;
    }
    String peer = m.group(1);
    long now = System.currentTimeMillis();
    boolean[] changed = {false};
    // compute: event loops of one process may fail to reach the same peer at once
    failing.compute(peer, (k, before) -> {
      if (before != null && now - before.last() < QUIET_MS) {
        return new Failing(before.since(), now, before.suppressed() + 1);
      }
      changed[0] = true;
      return new Failing(now, now, 0);
    });
    if (!changed[0]) {
      return FilterReply.DENY;
    }
    LOG.warn("cluster node {} is unreachable: {}; not logging further attempts until it leaves or joins the cluster",
      peer, cause(format, t));
    return FilterReply.DENY;
  }

  private static String cause(String format, Throwable t) {
    if (t == null) {
      return format;
    }
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return String.valueOf(t.getMessage() != null ? t.getMessage() : root);
  }
}
