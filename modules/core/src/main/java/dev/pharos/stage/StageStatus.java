package dev.pharos.stage;

import dev.pharos.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * A stage instance's state and its current problems (a malformed definition, an ambiguous
 * container, an unreachable socket), answered on {@code pharos.status.<stage>} and published on
 * {@code pharos.status} every heartbeat, for {@code /v1/health}.
 * A problem is logged once when it appears or its reason changes, and cleared when fixed or when
 * its subject goes away. At most {@link #MAX_PROBLEMS} are kept: a stage whose subjects churn
 * (containers, instances) must not grow without end, so the oldest is dropped and counted.
 * Thread-safe: a stage may report from its workers.
 */
public final class StageStatus {

  private static final Logger LOG = LoggerFactory.getLogger(StageStatus.class);

  public static final String STARTING = "starting";
  public static final String RUNNING = "running";
  public static final String DEGRADED = "degraded";
  public static final int MAX_PROBLEMS = 100;

  /** {@code seq} orders problems by arrival, as several may share one {@code since}. */
  private record Problem(String reason, Instant since, long seq) {
  }

  private final String id = UUID.randomUUID().toString();
  private final String stage;
  private final String node;
  private final Map<String, Problem> problems = new TreeMap<>();
  private final JsonObject details = new JsonObject();
  private final int maxProblems;
  private long dropped;
  /** By prefix, the problems of a {@link #replaceProblems} set the bound left out. */
  private final Map<String, Integer> notShown = new java.util.HashMap<>();
  private long seq;
  private String state = STARTING;

  public StageStatus(String stage, String node) {
    this(stage, node, MAX_PROBLEMS);
  }

  StageStatus(String stage, String node, int maxProblems) {
    this.stage = stage;
    this.node = node;
    this.maxProblems = Math.max(1, maxProblems);
  }

  /** This stage instance's id: unique in the cluster, its member id where the stage divides work. */
  public String id() {
    return id;
  }

  public String node() {
    return node;
  }

  /** Answers on {@code pharos.status.<stage>} and publishes on {@code pharos.status}; call from the stage's context. */
  public Future<Void> register(Vertx vertx) {
    MessageConsumer<JsonObject> consumer = vertx.eventBus().consumer(Addresses.status(stage), msg -> msg.reply(toJson()));
    // a timer set on the verticle's context goes with the verticle when it is undeployed
    vertx.setPeriodic(0, Addresses.STATUS_HEARTBEAT_MS, t -> vertx.eventBus().publish(Addresses.STATUS, toJson()));
    return consumer.completion();
  }

  public synchronized void state(String state) {
    if (!state.equals(this.state)) {
      LOG.info("{} is {}", stage, state);
    }
    this.state = state;
  }

  public synchronized String state() {
    return state;
  }

  /** Records a problem about {@code subject} (a path, a container, a field); logs it once. */
  public synchronized void problem(String subject, String reason) {
    Problem old = problems.get(subject);
    if (old == null || !old.reason().equals(reason)) {
      LOG.warn("{}: {}: {}", stage, subject, reason);
      if (old == null && problems.size() >= maxProblems) {
        dropOldest();
      }
      problems.put(subject, new Problem(reason, Instant.now(), seq++));
    }
  }

  private void dropOldest() {
    String oldest = null;
    long first = Long.MAX_VALUE;
    for (var e : problems.entrySet()) {
      if (e.getValue().seq() < first) {
        oldest = e.getKey();
        first = e.getValue().seq();
      }
    }
    problems.remove(oldest);
    if (dropped++ == 0) {
      LOG.warn("{}: more than {} problems; dropping the oldest from the status (counted in problemsDropped)", stage, maxProblems);
    }
  }

  /** Clears every problem whose subject starts with {@code prefix}: its subject went away. */
  public synchronized void clearAll(String prefix) {
    replaceProblems(prefix, Map.of());
  }

  /** Whether {@code subject} is a problem now (not cleared, nor dropped past the bound). */
  public synchronized boolean has(String subject) {
    return problems.containsKey(subject);
  }

  /** Whether another problem fits without dropping the oldest. */
  public synchronized boolean hasRoom() {
    return problems.size() < maxProblems;
  }

  /** How many problems were dropped past the bound so far. */
  public synchronized long dropped() {
    return dropped;
  }

  public synchronized void clear(String subject) {
    if (problems.remove(subject) != null) {
      LOG.info("{}: {}: resolved", stage, subject);
    }
  }

  /**
   * Makes {@code current} (subject to reason) the whole set of problems whose subject starts
   * with {@code prefix}: new ones are logged, unchanged ones are not logged again, the rest clear.
   * Past the bound, the problems held stay and the others wait for room, counted in
   * {@code problemsNotShown}: making room by dropping the oldest, as a single new problem does,
   * would drop and log the same set's problems in turn at every call.
   */
  public synchronized void replaceProblems(String prefix, Map<String, String> current) {
    for (String subject : List.copyOf(problems.keySet())) {
      if (subject.startsWith(prefix) && !current.containsKey(subject)) {
        clear(subject);
      }
    }
    int waiting = 0;
    for (Map.Entry<String, String> e : current.entrySet()) {
      if (problems.containsKey(e.getKey()) || problems.size() < maxProblems) {
        problem(e.getKey(), e.getValue());
      } else {
        waiting++;
      }
    }
    if (waiting == 0) {
      notShown.remove(prefix);
    } else {
      notShown.put(prefix, waiting);
    }
  }

  /** Sets a stage-specific figure shown with the status (a count, a connection state). */
  public synchronized StageStatus detail(String key, Object value) {
    details.put(key, value);
    return this;
  }

  public synchronized long increment(String key) {
    long next = details.getLong(key, 0L) + 1;
    details.put(key, next);
    return next;
  }

  public synchronized JsonObject toJson() {
    JsonArray list = new JsonArray();
    problems.forEach((subject, p) -> list.add(new JsonObject().put("subject", subject)
      .put("reason", p.reason()).put("since", p.since().toString())));
    return new JsonObject().put("id", id).put("stage", stage).put("node", node).put("state", state)
      .put("problems", list).put("problemsDropped", dropped)
      .put("problemsNotShown", notShown.values().stream().mapToInt(Integer::intValue).sum()).put("details", details.copy());
  }
}
