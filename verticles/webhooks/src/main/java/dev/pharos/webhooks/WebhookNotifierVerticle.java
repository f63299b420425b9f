package dev.pharos.webhooks;

import dev.pharos.PharosConfig;
import dev.pharos.bus.Addresses;
import dev.pharos.metrics.PharosMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import dev.pharos.nesoi.DeliveryQueue;
import dev.pharos.nesoi.NesoiStore;
import dev.pharos.nesoi.NesoiView;
import dev.pharos.nesoi.WebhookAddresses;
import dev.pharos.stage.Backoff;
import dev.pharos.stage.StageStatus;
import dev.pharos.zookeeper.ZooKeeperSessions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Nesoi's notifier: when an app or a service changes, every web-hook registered on it gets one
 * {@code POST {"name":<hook>,"uri":<URI of the changed resource>}}. Exactly one notifier of a
 * cluster delivers: the holder of a Curator {@link LeaderLatch}. The work lives in ZooKeeper
 * ({@link DeliveryQueue}), so a notifier that takes over resumes it and no change is dropped.
 * Each hook has its own queue, delivered in order, retried with exponential backoff up to a cap;
 * a slow or dead receiver holds up only its own queue, and its queue holds at most
 * {@code webhooks.maxQueued} deliveries: past that the oldest go, counted, and the hook shows as
 * failing ({@link HookHealth}).
 */
public class WebhookNotifierVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(WebhookNotifierVerticle.class);
  static final String LEADER_PATH = NesoiStore.ROOT + "/notifier";

  private StageStatus status;
  private CuratorFramework client;
  private LeaderLatch latch;
  private DeliveryQueue queue;
  private HookPoster poster;
  private HookHealth health;
  private int maxQueued;
  private Counter dropped;
  private String publicUrl;
  private long retryMinMs;
  private Counter delivered;
  private Counter failed;
  private Counter retries;
  private long retryMaxMs;
  private long timeoutMs;
  private volatile boolean leading;
  private boolean fanningOut;
  private boolean fanOutAgain;
  /** What is left to deliver, by queue, in order: a copy of ZooKeeper's queues. */
  private final Map<String, Deque<DeliveryQueue.Delivery>> pending = new HashMap<>();
  /** Queues with a delivery in flight or waiting to retry, with the current backoff of each. */
  private final Map<String, Backoff> backoff = new HashMap<>();
  private NesoiView view;

  @Override
  public Future<?> start() {
    JsonObject conf = config();
    JsonObject hooksConf = conf.getJsonObject("webhooks", new JsonObject());
    JsonObject api = conf.getJsonObject("api", new JsonObject());
    publicUrl = hooksConf.getString("publicUrl");
    if (publicUrl == null) {
      publicUrl = "http://" + api.getString("host", "127.0.0.1") + ":" + api.getInteger("port", 6553);
    }
    retryMinMs = hooksConf.getLong("retryMinMs", 500L);
    retryMaxMs = hooksConf.getLong("retryMaxMs", 60_000L);
    timeoutMs = hooksConf.getLong("timeoutMs", 5000L);
    maxQueued = Math.max(1, hooksConf.getInteger("maxQueued", 1000));
    poster = new HookPoster(vertx, WebhookAddresses.from(hooksConf), timeoutMs);
    status = new StageStatus(Addresses.WEBHOOKS, PharosConfig.node(conf));
    MeterRegistry meters = PharosMetrics.registry(conf);
    delivered = Counter.builder("pharos.webhook.deliveries").description("web-hook POSTs, by outcome")
      .tag("outcome", "delivered").register(meters);
    failed = Counter.builder("pharos.webhook.deliveries").description("web-hook POSTs, by outcome")
      .tag("outcome", "failed").register(meters);
    retries = Counter.builder("pharos.webhook.retries").description("web-hook deliveries scheduled again after a failure")
      .register(meters);
    dropped = Counter.builder("pharos.webhook.dropped").description("web-hook deliveries dropped from a full queue (webhooks.maxQueued)")
      .register(meters);
    String node = PharosConfig.node(conf);
    return status.register(vertx).compose(v -> ZooKeeperSessions.acquire(vertx, conf.getJsonObject("zookeeper")))
      .compose(c -> blocking(() -> {
      client = c;
      NesoiStore store = new NesoiStore(client);
      store.ensureLayout();
      queue = new DeliveryQueue(client);
      view = new NesoiView(client, context);
      health = new HookHealth(vertx, store, view);
      view.onChangeRecord(this::fanOut); // the view already follows /nesoi, change records included
      return null;
    })).compose(v -> blocking(() -> view.start()).compose(f -> f)).compose(v -> blocking(() -> {
      latch = new LeaderLatch(client, LEADER_PATH, node);
      latch.addListener(new LeaderLatchListener() {
        @Override
        public void isLeader() {
          context.runOnContext(x -> lead());
        }

        @Override
        public void notLeader() {
          context.runOnContext(x -> follow());
        }
      });
      latch.start();
      return null;
    })).onSuccess(v -> {
      status.state(StageStatus.RUNNING);
      status.detail("leader", leading);
    });
  }

  @Override
  public Future<?> stop() {
    leading = false;
    return blocking(() -> {
      if (latch != null) {
        latch.close();
      }
      if (view != null) {
        view.close();
      }
      return null;
    }).eventually(() -> ZooKeeperSessions.release(vertx, client)).eventually(() -> poster == null ? Future.succeededFuture() : poster.close());
  }

  private <T> Future<T> blocking(Callable<T> work) {
    return vertx.executeBlocking(work, false);
  }

  private void lead() {
    LOG.info("this node now delivers the cluster's web-hooks");
    leading = true;
    status.detail("leader", true);
    // no fan-out while the queues are read: a delivery it made and delivered meanwhile would be
    // read back and delivered again
    fanningOut = true;
    blocking(queue::pending).onSuccess(resumed -> {
      fanningOut = false;
      resumed.forEach(this::enqueue);
      fanOutAgain = false;
      fanOut();
    }).onFailure(err -> {
      fanningOut = false;
      status.problem("deliveries", "cannot read the pending deliveries: " + err.getMessage());
      vertx.setTimer(retryMinMs, t -> lead());
    });
  }

  private void follow() {
    leading = false;
    pending.clear();
    backoff.clear();
    health.clear();
    // the new leader reports its own deliveries' trouble
    status.clearAll("web-hook ");
    status.detail("leader", false);
  }

  /** Moves new change records into the hooks' queues, one pass at a time. */
  private void fanOut() {
    if (!leading) {
      return;
    }
    if (fanningOut) {
      fanOutAgain = true;
      return;
    }
    fanningOut = true;
    Map<String, Map<String, JsonObject>> hooks = view.allHooks();
    blocking(() -> queue.fanOut(hooks)).onComplete(ar -> {
      fanningOut = false;
      if (ar.succeeded()) {
        status.clear("changes");
        ar.result().forEach(this::enqueue);
      } else {
        status.problem("changes", "cannot read the change records: " + ar.cause().getMessage());
        vertx.setTimer(retryMinMs, t -> fanOut());
      }
      if (fanOutAgain) {
        fanOutAgain = false;
        fanOut();
      }
    });
  }

  private void enqueue(DeliveryQueue.Delivery delivery) {
    Deque<DeliveryQueue.Delivery> q = pending.computeIfAbsent(delivery.queue(), k -> new ArrayDeque<>());
    if (q.stream().noneMatch(d -> d.path().equals(delivery.path()))) {
      q.addLast(delivery);
    }
    while (q.size() > maxQueued) {
      drop(q.pollFirst(), q.size());
    }
    if (!backoff.containsKey(delivery.queue())) {
      backoff.put(delivery.queue(), new Backoff(retryMinMs, retryMaxMs));
      next(delivery.queue());
    }
  }

  /** Delivers the head of {@code queuePath}, if any; one delivery in flight per queue. */
  private void next(String queuePath) {
    Deque<DeliveryQueue.Delivery> q = pending.get(queuePath);
    if (!leading || q == null || q.isEmpty()) {
      backoff.remove(queuePath);
      status.clear(hookSubject(queuePath)); // nothing left to deliver there: nothing failing either
      return;
    }
    post(queuePath, q.peekFirst());
  }

  /** The oldest delivery of a full queue goes, from memory and from ZooKeeper: a dead hook costs a bounded amount. */
  private void drop(DeliveryQueue.Delivery oldest, int queued) {
    dropped.increment();
    status.increment("dropped");
    long drops = health.dropped(oldest, queued);
    if (drops == 1 || drops % 1000 == 0) { // a dead hook on a busy resource must not flood the log
      LOG.warn("web-hook {}: queue full (webhooks.maxQueued {}), dropped the delivery of {} ({} dropped so far)",
        oldest.hook(), maxQueued, oldest.uri(), drops);
    }
    blocking(() -> {
      queue.done(oldest);
      return null;
    }).onFailure(err -> LOG.warn("could not remove dropped {}: {}", oldest.path(), err.getMessage()));
  }

  private void post(String queuePath, DeliveryQueue.Delivery delivery) {
    JsonObject body = new JsonObject().put("name", delivery.hook()).put("uri", publicUrl + delivery.uri());
    poster.post(delivery, body).onComplete(ar -> {
      Deque<DeliveryQueue.Delivery> q = pending.get(queuePath);
      if (ar.succeeded() && ar.result() / 100 == 2) {
        status.clear(hookSubject(queuePath));
        status.increment("delivered");
        delivered.increment();
        backoff.get(queuePath).reset();
        if (q != null) {
          q.removeIf(d -> d.path().equals(delivery.path())); // by path: a full queue may have dropped it meanwhile
        }
        health.delivered(delivery, q == null ? 0 : q.size());
        // the znode goes in the background; a new leader that still finds it delivers again (at least once)
        blocking(() -> {
          queue.done(delivery);
          return null;
        }).onFailure(err -> LOG.warn("could not remove delivered {}: {}", delivery.path(), err.getMessage()));
        next(queuePath);
      } else {
        String why = ar.succeeded() ? "answered " + ar.result() : ar.cause().getMessage();
        failed.increment();
        String reason = "delivery of " + delivery.uri() + " to " + delivery.endpoint() + " failed (" + why + ")";
        health.failed(delivery, reason, q == null ? 0 : q.size());
        retry(queuePath, reason);
      }
    });
  }

  private static String hookSubject(String queuePath) {
    return "web-hook " + queuePath.substring(queuePath.lastIndexOf('/') + 1);
  }

  private void retry(String queuePath, String reason) {
    long delay = backoff.computeIfAbsent(queuePath, q -> new Backoff(retryMinMs, retryMaxMs)).next();
    status.increment("retries");
    retries.increment();
    status.problem(hookSubject(queuePath), reason + "; retrying in " + delay + " ms");
    vertx.setTimer(delay, t -> next(queuePath));
  }
}
