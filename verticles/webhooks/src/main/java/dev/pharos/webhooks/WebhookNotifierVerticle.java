package dev.pharos.webhooks;

import dev.pharos.PharosConfig;
import dev.pharos.bus.Addresses;
import dev.pharos.metrics.PharosMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import dev.pharos.nesoi.DeliveryQueue;
import dev.pharos.nesoi.NesoiStore;
import dev.pharos.nesoi.NesoiView;
import dev.pharos.stage.Backoff;
import dev.pharos.stage.StageStatus;
import dev.pharos.zookeeper.ZooKeeperSessions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
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
 * a slow or dead receiver holds up only its own queue.
 */
public class WebhookNotifierVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(WebhookNotifierVerticle.class);
  static final String LEADER_PATH = NesoiStore.ROOT + "/notifier";

  private StageStatus status;
  private CuratorFramework client;
  private LeaderLatch latch;
  private DeliveryQueue queue;
  private HttpClient http;
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
    http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) timeoutMs));
    status = new StageStatus(Addresses.WEBHOOKS, PharosConfig.node(conf));
    MeterRegistry meters = PharosMetrics.registry(conf);
    delivered = Counter.builder("pharos.webhook.deliveries").description("web-hook POSTs, by outcome")
      .tag("outcome", "delivered").register(meters);
    failed = Counter.builder("pharos.webhook.deliveries").description("web-hook POSTs, by outcome")
      .tag("outcome", "failed").register(meters);
    retries = Counter.builder("pharos.webhook.retries").description("web-hook deliveries scheduled again after a failure")
      .register(meters);
    String node = PharosConfig.node(conf);
    return status.register(vertx).compose(v -> ZooKeeperSessions.acquire(vertx, conf.getJsonObject("zookeeper")))
      .compose(c -> blocking(() -> {
      client = c;
      new NesoiStore(client).ensureLayout();
      queue = new DeliveryQueue(client);
      view = new NesoiView(client, context);
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
    }).eventually(() -> ZooKeeperSessions.release(vertx, client)).eventually(() -> http.close());
  }

  private <T> Future<T> blocking(Callable<T> work) {
    return vertx.executeBlocking(work, false);
  }

  private void lead() {
    LOG.info("this node now delivers the cluster's web-hooks");
    leading = true;
    status.detail("leader", true);
    blocking(queue::pending).onSuccess(resumed -> {
      resumed.forEach(this::enqueue);
      fanOut();
    }).onFailure(err -> {
      status.problem("deliveries", "cannot read the pending deliveries: " + err.getMessage());
      vertx.setTimer(retryMinMs, t -> lead());
    });
  }

  private void follow() {
    leading = false;
    pending.clear();
    backoff.clear();
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

  private void post(String queuePath, DeliveryQueue.Delivery delivery) {
    JsonObject body = new JsonObject().put("name", delivery.hook()).put("uri", publicUrl + delivery.uri());
    RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(delivery.endpoint())
      .putHeader("Content-Type", "application/json").setIdleTimeout(timeoutMs);
    http.request(request)
      .compose(req -> req.send(body.toBuffer()))
      .compose(resp -> resp.body().map(resp.statusCode()))
      .onComplete(ar -> {
        if (ar.succeeded() && ar.result() / 100 == 2) {
          status.clear("web-hook " + delivery.hook());
          status.increment("delivered");
          delivered.increment();
          backoff.get(queuePath).reset();
          Deque<DeliveryQueue.Delivery> q = pending.get(queuePath);
          if (q != null) {
            q.pollFirst();
          }
          // the znode goes in the background; a new leader that still finds it delivers again (at least once)
          blocking(() -> {
            queue.done(delivery);
            return null;
          }).onFailure(err -> LOG.warn("could not remove delivered {}: {}", delivery.path(), err.getMessage()));
          next(queuePath);
        } else {
          String why = ar.succeeded() ? "answered " + ar.result() : ar.cause().getMessage();
          failed.increment();
          retry(queuePath, "delivery of " + delivery.uri() + " to " + delivery.endpoint() + " failed (" + why + ")");
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
