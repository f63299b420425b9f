package dev.pharos.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.EventType;
import com.github.dockerjava.transport.DockerHttpClient;
import dev.pharos.PharosConfig;
import dev.pharos.bus.Addresses;
import dev.pharos.metrics.PharosMetrics;
import dev.pharos.model.Container;
import dev.pharos.model.Host;
import dev.pharos.model.InstanceResolver;
import dev.pharos.stage.Backoff;
import dev.pharos.stage.StageStatus;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Follows dockerd's {@code /events} stream (never polls) and publishes containers on
 * {@link Addresses#CONTAINERS}. On start and after every reconnect it resyncs against
 * {@code docker ps} and publishes a snapshot, which retracts containers that vanished meanwhile.
 * A container is inspected when created; when its host ports are fixed by then, its start is
 * published at once, otherwise it is inspected again after the start. A known container that
 * joins or leaves a network is inspected again.
 */
public class DockerWatcherVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(DockerWatcherVerticle.class);
  /** Docker's action for a HEALTHCHECK verdict change: {@code health_status: healthy}. */
  private static final String HEALTH_STATUS = "health_status:";
  private static final String EVENTS = "docker events";

  private final Map<String, Container> containers = new TreeMap<>();
  /** Containers created but not started yet, as known before their start (see ContainerListing#beforeStart). */
  private final Map<String, Future<Optional<Container>>> created = new HashMap<>();
  private StageStatus status;
  private DockerClient docker;
  private DockerHttpClient http;
  private MeterRegistry meters;
  private Host host;
  private String dockerHost;
  private DockerEvents events;
  /**
   * Docker's calls block: they get workers of their own, so a stalled store elsewhere in the node
   * (ZooKeeper calls on the shared pool) cannot hold back Docker's events. Ordered per context,
   * as Docker's events must be.
   */
  private io.vertx.core.WorkerExecutor dockerPool;
  /** Event work on {@link #dockerPool} not yet completed ({@link #inOrder}). */
  private int queued;
  /** Whether the event stream is open: the stage is running only then, and only after a resync. */
  private boolean connected;
  /** Event handling failures so far: a resync clears the problem only if none failed since it began. */
  private long failures;
  private Backoff resyncBackoff;
  private long resyncRetry = -1;
  /**
   * Whether a resync has listed this host's containers: before it, a snapshot request is refused
   * (the asker retries) rather than answered with none, which would read as "every container gone".
   */
  private boolean listed;
  /** A test's way to make handling one event throw; does nothing otherwise. */
  Consumer<Event> eventHook = event -> { };
  /** A test's way to hold a resync between its listing and applying it; passes at once otherwise. */
  Function<List<Container>, Future<List<Container>>> listedHook = Future::succeededFuture;
  /**
   * For each resync under way, what events changed since it began (null: gone): its listing
   * may predate them, so they are applied over it rather than lost to it.
   */
  private final List<Map<String, Container>> resyncsUnderWay = new ArrayList<>();

  @Override
  public Future<?> start() {
    JsonObject conf = config();
    host = PharosConfig.host(conf);
    JsonObject dockerConf = conf.getJsonObject("docker");
    dockerHost = dockerConf.getString("host");
    status = new StageStatus(Addresses.DOCKER_WATCHER, PharosConfig.node(conf));
    meters = PharosMetrics.registry(conf);
    status.detail("dockerHost", dockerHost).detail("host", host.toJson());
    dockerPool = vertx.createSharedWorkerExecutor("pharos-docker", dockerConf.getInteger("workers", 4));
    http = DockerClients.http(dockerHost);
    docker = DockerClients.create(dockerHost, http);
    long minDelay = dockerConf.getLong("reconnectMinMs", 200L);
    long maxDelay = dockerConf.getLong("reconnectMaxMs", 10_000L);
    resyncBackoff = new Backoff(minDelay, maxDelay);
    events = new DockerEvents(docker, context, new Backoff(minDelay, maxDelay), new DockerEvents.Listener() {
      @Override
      public void opened() {
        connected = true;
        resync();
      }

      @Override
      public void event(Event event) {
        onEvent(event);
      }

      @Override
      public void broken(Throwable err, long retryMs) {
        disconnected(err, retryMs);
      }
    });
    events.start();
    var bus = vertx.eventBus();
    return Future.all(
      bus.<JsonObject>consumer(Addresses.CONTAINERS_SNAPSHOT, msg -> {
        if (listed) {
          msg.reply(snapshot());
        } else {
          msg.fail(503, "docker watcher " + status.id() + " has not listed " + dockerHost + "'s containers yet");
        }
      }).completion(),
      // before its first listing there is nothing true to announce; the listing publishes it
      bus.<JsonObject>consumer(Addresses.CONTAINERS_ANNOUNCE, msg -> {
        if (listed) {
          publishSnapshot();
        }
      }).completion(),
      bus.<JsonObject>consumer(Addresses.containerInspect(host.id()), msg -> inspect(msg.body().getString("id"))
        .onSuccess(msg::reply).onFailure(err -> msg.fail(404, err.getMessage()))).completion(),
      status.register(vertx));
  }

  @Override
  public Future<?> stop() {
    if (events != null) {
      events.stop();
    }
    return dockerPool.executeBlocking(() -> {
      docker.close();
      return null;
    }).eventually(() -> dockerPool.close());
  }

  /** Blocking on a worker: Docker's own inspect JSON, every field as dockerd wrote it. */
  private Future<JsonObject> inspect(String id) {
    if (id == null || id.isEmpty() || !id.matches("[A-Za-z0-9_.-]+")) {
      return Future.failedFuture("not a container id or name: " + id);
    }
    return dockerPool.executeBlocking(() -> {
      JsonObject c = ContainerListing.inspect(http, id);
      if (c == null) {
        throw new IllegalStateException("docker inspect " + id + ": no such container");
      }
      return c;
    });
  }

  /**
   * Runs {@code work} on the ordered Docker pool, after the event work queued before it; counted,
   * so that a start with nothing queued before it can be published without the trip.
   */
  private <T> Future<T> inOrder(java.util.concurrent.Callable<T> work) {
    queued++;
    // on the context, before the caller's handlers of the same completion: none runs between them
    return dockerPool.executeBlocking(work).andThen(done -> queued--);
  }

  private void disconnected(Throwable err, long retryMs) {
    connected = false;
    String reason = err.getMessage() == null ? err.getClass().getSimpleName() : err.getMessage();
    status.problem("docker " + dockerHost, "unreachable or stream broken, retrying in " + retryMs + " ms: " + reason);
    status.state(StageStatus.DEGRADED);
    status.detail("connected", false);
  }

  /**
   * One event's failure must not end the stream: it is logged once with its container, counted,
   * and the stage is degraded until a resync has put the containers right again.
   */
  private void onEvent(Event event) {
    try {
      eventHook.accept(event);
      handle(event);
    } catch (RuntimeException e) {
      failures++;
      status.increment("eventFailures");
      meters.counter("pharos.docker.event.failures").increment();
      String action = event.getAction() != null ? event.getAction() : event.getStatus();
      if (failures == 1) {
        LOG.warn("cannot handle docker event {} of container {}, resyncing", action, event.getId(), e);
      } else { // the stack trace once is enough: a bug hitting every event must not flood the log
        LOG.warn("cannot handle docker event {} of container {}, resyncing: {}", action, event.getId(), e.toString());
      }
      status.problem(EVENTS, "event " + action + " of container " + event.getId() + " failed: " + e + "; resyncing");
      status.state(StageStatus.DEGRADED);
      created.remove(event.getId());
      resync();
    }
  }

  private void handle(Event event) {
    status.increment("events");
    String id = event.getId();
    String action = event.getAction() != null ? event.getAction() : event.getStatus();
    meters.counter("pharos.docker.events", "action", String.valueOf(action)).increment();
    if (action != null && action.startsWith(HEALTH_STATUS)) {
      // queued behind a start being looked up, so the container is known when it applies
      String health = action.substring(HEALTH_STATUS.length()).trim();
      inOrder(() -> id).onSuccess(known -> health(known, health));
      return;
    }
    if (event.getType() == EventType.NETWORK) {
      if ("connect".equals(action) || "disconnect".equals(action)) {
        networkChanged(event.getActor() == null ? null : event.getActor().getAttributes().get("container"));
      }
      return;
    }
    if ("create".equals(action)) {
      created.put(id, inOrder(() -> Optional.ofNullable(ContainerListing.inspect(http, id))
          .flatMap(ContainerListing::beforeStart))
        .otherwise(Optional.empty()));
      return;
    }
    Future<Optional<Container>> known = created.remove(id);
    if ("start".equals(action) && known != null && !known.isComplete()) {
      // started right after its create, whose inspect is still on its way: its answer, not a second
      // inspect; counted as queued, so that no later event is applied before it
      queued++;
      known.andThen(done -> queued--).onComplete(done -> started(id, done.succeeded() ? done.result() : Optional.empty()));
      return;
    }
    if ("start".equals(action) && known != null && known.result().isPresent()
      && !InstanceResolver.registersOwnAddress(host, known.result().get())) {
      // host ports fixed at create: no inspect needed (unless its network address is registered,
      // which Docker gives at start); still after earlier events
      Container container = known.result().get();
      if (queued == 0) {
        up(container); // nothing before it to wait for: no trip through the pool
      } else {
        inOrder(() -> container).onSuccess(this::up);
      }
    } else if ("start".equals(action)) {
      inspectStarted(id);
    } else {
      // die and destroy: queue behind a start being looked up, so the two stay in order
      if (queued == 0) {
        down(id);
      } else {
        inOrder(() -> id).onSuccess(this::down);
      }
    }
  }

  /** A start whose create-time look ({@code known}) has just come back: published as known, or inspected now. */
  private void started(String id, Optional<Container> known) {
    if (known.isPresent() && !InstanceResolver.registersOwnAddress(host, known.get())) {
      up(known.get());
    } else {
      inspectStarted(id);
    }
  }

  /** A started container's inspect, after the event work before it: published when it still runs. */
  private void inspectStarted(String id) {
    inOrder(() -> ContainerListing.inspect(http, id))
      .onSuccess(c -> {
        if (c != null && ContainerListing.running(c)) {
          up(ContainerListing.toModel(c));
        }
      })
      .onFailure(err -> LOG.warn("cannot inspect container {} after its start event: {}", id, err.getMessage()));
  }

  /**
   * A container joined or left a network ({@code docker network connect/disconnect}): if it is a
   * running one this watcher knows, one inspect of it, published when it changed, so a registered
   * network address follows. Every start and stop brings these events too; the container is not
   * known then (not yet, or no longer), and its own start or die event handles it.
   */
  private void networkChanged(String id) {
    if (id == null) {
      return;
    }
    // queued behind the events before it, so a container's start or die has applied when it is looked up
    inOrder(() -> id).onSuccess(after -> {
      if (!containers.containsKey(id)) {
        return;
      }
      inOrder(() -> ContainerListing.inspect(http, id))
        .onSuccess(c -> {
          if (c == null) {
            return; // gone: its destroy event follows
          }
          Container now = ContainerListing.toModel(c);
          Container before = containers.get(id);
          if (before != null && ContainerListing.running(c) && !now.equals(before)) {
            up(now);
          }
        })
        .onFailure(err -> LOG.warn("cannot inspect container {} after a network change: {}", id, err.getMessage()));
    });
  }

  private void resync() {
    long failuresBefore = failures;
    Map<String, Container> changedMeanwhile = new HashMap<>();
    resyncsUnderWay.add(changedMeanwhile);
    ContainerListing.running(http, dockerPool)
      .compose(listedHook)
      .onComplete(done -> resyncsUnderWay.removeIf(m -> m == changedMeanwhile))
      .onSuccess(list -> {
        containers.clear();
        list.forEach(container -> containers.put(container.id(), container));
        changedMeanwhile.forEach((id, now) -> {
          if (now == null) {
            containers.remove(id);
          } else {
            containers.put(id, now);
          }
        });
        listed = true;
        resyncBackoff.reset();
        status.clear("docker " + dockerHost + " listing");
        if (failures == failuresBefore) {
          status.clear(EVENTS);
        }
        if (connected) {
          status.clear("docker " + dockerHost);
        }
        // running only with the stream open and the containers right
        status.state(connected && failures == failuresBefore ? StageStatus.RUNNING : StageStatus.DEGRADED);
        status.detail("connected", connected).detail("containers", containers.size());
        LOG.info("resynced with dockerd at {}: {} running containers", dockerHost, containers.size());
        publishSnapshot();
      })
      .onFailure(err -> {
        status.state(StageStatus.DEGRADED);
        if (resyncRetry >= 0) {
          return;
        }
        // the stream is open but the listing failed: try again after a growing wait
        long delay = resyncBackoff.next();
        status.problem("docker " + dockerHost + " listing", "docker ps failed, retrying in " + delay + " ms: " + err.getMessage());
        resyncRetry = vertx.setTimer(delay, t -> {
          resyncRetry = -1;
          resync();
        });
      });
  }

  /** An event changed {@code id} ({@code now} null: gone), for the resyncs under way. */
  private void changedMeanwhile(String id, Container now) {
    resyncsUnderWay.forEach(changed -> changed.put(id, now));
  }

  private void up(Container container) {
    containers.put(container.id(), container);
    changedMeanwhile(container.id(), container);
    status.detail("containers", containers.size());
    vertx.eventBus().publish(Addresses.CONTAINERS, new JsonObject().put("type", "up")
      .put("host", host.toJson()).put("container", container.toJson()).put("ts", System.currentTimeMillis()));
  }

  private void health(String id, String health) {
    Container known = containers.get(id);
    if (known == null || health.equals(known.health())) {
      return;
    }
    containers.put(id, known.withHealth(health));
    changedMeanwhile(id, containers.get(id));
    vertx.eventBus().publish(Addresses.CONTAINERS, new JsonObject().put("type", "health")
      .put("host", host.toJson()).put("id", id).put("health", health).put("ts", System.currentTimeMillis()));
  }

  private void down(String id) {
    Container gone = containers.remove(id);
    changedMeanwhile(id, null);
    status.detail("containers", containers.size());
    if (gone != null) {
      vertx.eventBus().publish(Addresses.CONTAINERS, new JsonObject().put("type", "down")
        .put("host", host.toJson()).put("container", gone.toJson()).put("ts", System.currentTimeMillis()));
    }
  }

  private void publishSnapshot() {
    vertx.eventBus().publish(Addresses.CONTAINERS, snapshot().put("type", "snapshot"));
  }

  private JsonObject snapshot() {
    JsonArray list = new JsonArray();
    containers.values().forEach(c -> list.add(c.toJson()));
    return new JsonObject().put("host", host.toJson()).put("containers", list).put("ts", System.currentTimeMillis());
  }
}
