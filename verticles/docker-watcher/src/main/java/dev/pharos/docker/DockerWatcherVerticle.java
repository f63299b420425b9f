package dev.pharos.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.EventType;
import com.github.dockerjava.transport.DockerHttpClient;
import dev.pharos.PharosConfig;
import dev.pharos.bus.Addresses;
import dev.pharos.metrics.PharosMetrics;
import dev.pharos.model.Container;
import dev.pharos.model.Host;
import dev.pharos.stage.Backoff;
import dev.pharos.stage.StageStatus;
import io.micrometer.core.instrument.MeterRegistry;
import io.reactivex.rxjava3.core.BackpressureStrategy;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.disposables.Disposable;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.rxjava3.core.RxHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Follows dockerd's {@code /events} stream (never polls) and publishes containers on
 * {@link Addresses#CONTAINERS}. On start and after every reconnect it resyncs against
 * {@code docker ps} and publishes a snapshot, which retracts containers that vanished meanwhile.
 * A container is inspected when created; when its host ports are fixed by then, its start is
 * published at once, otherwise it is inspected again after the start.
 */
public class DockerWatcherVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(DockerWatcherVerticle.class);
  /** Docker's action for a HEALTHCHECK verdict change: {@code health_status: healthy}. */
  private static final String HEALTH_STATUS = "health_status:";

  private final Map<String, Container> containers = new TreeMap<>();
  /** Containers created but not started yet, as known before their start (see ContainerListing#beforeStart). */
  private final Map<String, Future<Optional<Container>>> created = new HashMap<>();
  private StageStatus status;
  private DockerClient docker;
  private DockerHttpClient http;
  private MeterRegistry meters;
  private Host host;
  private String dockerHost;
  private Disposable subscription;
  /**
   * Docker's calls block: they get workers of their own, so a stalled store elsewhere in the node
   * (ZooKeeper calls on the shared pool) cannot hold back Docker's events. Ordered per context,
   * as Docker's events must be.
   */
  private io.vertx.core.WorkerExecutor dockerPool;
  /** Grows with each reconnect since the stream last opened; read on Rx's thread, reset on the context. */
  private Backoff reconnect;

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
    reconnect = new Backoff(minDelay, maxDelay);
    subscription = events()
      .retryWhen(errors -> errors.concatMap(err -> {
        long delay;
        synchronized (reconnect) {
          delay = reconnect.next();
        }
        context.runOnContext(v -> disconnected(err));
        return Flowable.timer(delay, TimeUnit.MILLISECONDS);
      }))
      .observeOn(RxHelper.scheduler(new io.vertx.rxjava3.core.Context(context)))
      .subscribe(this::onSignal, err -> LOG.error("docker event stream ended", err));
    var bus = vertx.eventBus();
    return Future.all(
      bus.<JsonObject>consumer(Addresses.CONTAINERS_SNAPSHOT, msg -> msg.reply(snapshot())).completion(),
      bus.<JsonObject>consumer(Addresses.CONTAINERS_ANNOUNCE, msg -> publishSnapshot()).completion(),
      bus.<JsonObject>consumer(Addresses.containerInspect(host.id()), msg -> inspect(msg.body().getString("id"))
        .onSuccess(msg::reply).onFailure(err -> msg.fail(404, err.getMessage()))).completion(),
      status.register(vertx));
  }

  @Override
  public Future<?> stop() {
    if (subscription != null) {
      subscription.dispose();
    }
    return dockerPool.executeBlocking(() -> {
      docker.close();
      return null;
    }).eventually(() -> dockerPool.close());
  }

  /**
   * The container events of one connection to dockerd: first an empty signal once the stream is
   * open (time to resync), then the events. It fails when the stream breaks, so retry reconnects.
   */
  private Flowable<Optional<Event>> events() {
    return Flowable.create(emitter -> {
      // no replay of missed events: the resync after the stream opens covers them
      var cmd = docker.eventsCmd().withEventTypeFilter(EventType.CONTAINER)
        .withEventFilter("create", "start", "die", "destroy", "health_status");
      ResultCallback.Adapter<Event> callback = cmd.exec(new ResultCallback.Adapter<>() {
        @Override
        public void onStart(Closeable stream) {
          super.onStart(stream);
          emitter.onNext(Optional.empty());
        }

        @Override
        public void onNext(Event event) {
          emitter.onNext(Optional.of(event));
        }

        @Override
        public void onError(Throwable t) {
          emitter.tryOnError(t);
        }

        @Override
        public void onComplete() {
          emitter.tryOnError(new java.io.IOException("docker event stream closed"));
        }
      });
      emitter.setCancellable(callback::close);
    }, BackpressureStrategy.BUFFER);
  }

  /** Blocking on a worker: Docker's own inspect JSON, every field as dockerd wrote it. */
  private Future<JsonObject> inspect(String id) {
    if (id == null || id.isEmpty() || !id.matches("[A-Za-z0-9_.-]+")) {
      return Future.failedFuture("not a container id or name: " + id);
    }
    return dockerPool.executeBlocking(() -> {
      var request = DockerHttpClient.Request.builder().method(DockerHttpClient.Request.Method.GET)
        .path("/containers/" + id + "/json").build();
      try (DockerHttpClient.Response response = http.execute(request)) {
        byte[] body = response.getBody().readAllBytes();
        if (response.getStatusCode() != 200) {
          throw new IllegalStateException("docker inspect " + id + ": " + response.getStatusCode() + " "
            + new String(body, java.nio.charset.StandardCharsets.UTF_8).trim());
        }
        return new JsonObject(io.vertx.core.buffer.Buffer.buffer(body));
      }
    });
  }

  private void disconnected(Throwable err) {
    String reason = err.getMessage() == null ? err.getClass().getSimpleName() : err.getMessage();
    status.problem("docker " + dockerHost, "unreachable or stream broken: " + reason);
    status.state(StageStatus.DEGRADED);
    status.detail("connected", false);
  }

  private void onSignal(Optional<Event> signal) {
    if (signal.isEmpty()) {
      synchronized (reconnect) {
        reconnect.reset();
      }
      resync();
      return;
    }
    Event event = signal.get();
    status.increment("events");
    String id = event.getId();
    String action = event.getAction() != null ? event.getAction() : event.getStatus();
    meters.counter("pharos.docker.events", "action", String.valueOf(action)).increment();
    if (action != null && action.startsWith(HEALTH_STATUS)) {
      // queued behind a start being looked up, so the container is known when it applies
      String health = action.substring(HEALTH_STATUS.length()).trim();
      dockerPool.executeBlocking(() -> id).onSuccess(known -> health(known, health));
      return;
    }
    if ("create".equals(action)) {
      created.put(id, dockerPool.executeBlocking(() -> ContainerListing.beforeStart(docker.inspectContainerCmd(id).exec()))
        .otherwise(Optional.empty()));
      return;
    }
    Future<Optional<Container>> known = created.remove(id);
    if ("start".equals(action) && known != null && known.isComplete() && known.result().isPresent()) {
      // host ports fixed at create: no inspect needed; still queued behind earlier events
      Container container = known.result().get();
      dockerPool.executeBlocking(() -> container).onSuccess(this::up);
    } else if ("start".equals(action)) {
      dockerPool.executeBlocking(() -> docker.inspectContainerCmd(id).exec())
        .onSuccess(c -> {
          if (c.getState() != null && Boolean.TRUE.equals(c.getState().getRunning())) {
            up(ContainerListing.toModel(c));
          }
        })
        .onFailure(err -> LOG.warn("cannot inspect container {} after its start event: {}", id, err.getMessage()));
    } else {
      // die and destroy: queue behind a start being looked up, so the two stay in order
      dockerPool.executeBlocking(() -> id).onSuccess(this::down);
    }
  }

  private void resync() {
    dockerPool.executeBlocking(this::listRunning)
      .onSuccess(list -> {
        containers.clear();
        list.forEach(container -> containers.put(container.id(), container));
        status.clear("docker " + dockerHost);
        status.state(StageStatus.RUNNING);
        status.detail("connected", true).detail("containers", containers.size());
        LOG.info("resynced with dockerd at {}: {} running containers", dockerHost, containers.size());
        publishSnapshot();
      })
      .onFailure(err -> {
        status.problem("docker " + dockerHost, "docker ps failed: " + err.getMessage());
        // the stream is open but the listing failed: try again shortly
        vertx.setTimer(1000, t -> resync());
      });
  }

  /** Blocking: {@code docker ps}, then an inspect of each, for the environment and network mode a listing lacks. */
  private List<Container> listRunning() {
    List<Container> running = new ArrayList<>();
    for (var listed : docker.listContainersCmd().exec()) {
      try {
        InspectContainerResponse c = docker.inspectContainerCmd(listed.getId()).exec();
        if (c.getState() != null && Boolean.TRUE.equals(c.getState().getRunning())) {
          running.add(ContainerListing.toModel(c));
        }
      } catch (NotFoundException e) {
        // gone between the listing and the inspect: its destroy event follows
      }
    }
    return running;
  }

  private void up(Container container) {
    containers.put(container.id(), container);
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
    vertx.eventBus().publish(Addresses.CONTAINERS, new JsonObject().put("type", "health")
      .put("host", host.toJson()).put("id", id).put("health", health).put("ts", System.currentTimeMillis()));
  }

  private void down(String id) {
    Container gone = containers.remove(id);
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
