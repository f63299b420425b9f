package dev.pharos.harness.bench;

import dev.pharos.bus.Addresses;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The checkers' facts ({@link Addresses#INSTANCES}) as they reached the bench: when each
 * instance was reported up ({@link System#nanoTime()}), which with the znode times splits a
 * registration's time between the checker (fact to "up") and the registrar ("up" to znode);
 * and every "down" with its reason, since every backend stays healthy and only the bench's own
 * retractions should bring any.
 */
final class InstanceFacts {

  /** The health checker's reason when a container goes. */
  private static final String RETRACTED = "container or definition gone";
  private final Map<String, List<Long>> ups = new ConcurrentHashMap<>();
  private final Map<String, Long> downs = new ConcurrentHashMap<>();
  /** Each "up" as its checker published it: wall-clock ms, and whether it was carried over. */
  private final Map<String, List<Published>> published = new ConcurrentHashMap<>();

  private record Published(long ts, long heardMs, boolean carried) {
  }
  private final MessageConsumer<JsonObject> consumer;

  InstanceFacts(Vertx bus) throws Exception {
    consumer = bus.eventBus().<JsonObject>consumer(Addresses.INSTANCES, msg -> {
      String id = msg.body().getJsonObject("instance").getString("id");
      if ("up".equals(msg.body().getString("type"))) {
        ups.computeIfAbsent(id, k -> new CopyOnWriteArrayList<>()).add(System.nanoTime());
        published.computeIfAbsent(id, k -> new CopyOnWriteArrayList<>()).add(new Published(msg.body().getLong("ts", 0L),
          System.currentTimeMillis(), String.valueOf(msg.body().getString("reason")).startsWith("taken over")));
      } else {
        // one count per kind of reason, whichever backend it names
        downs.merge(String.valueOf(msg.body().getString("reason")).replaceAll("127(\\.\\d+){3}:\\d+", "<backend>"), 1L, Long::sum);
      }
    });
    consumer.completion().await(10, TimeUnit.SECONDS);
  }

  /** The first "up" of the instance heard after {@code since}, or null. */
  Long firstAfter(String instanceId, long since) {
    for (long t : ups.getOrDefault(instanceId, List.of())) {
      if (t > since) {
        return t;
      }
    }
    return null;
  }

  /**
   * The first "up" of each of {@code ids} published after {@code sinceMs} (wall clock): how many
   * were carried over from the previous checker and how many checked first, when their checkers
   * published them and how long they took to reach the bench, in ms from {@code sinceMs}.
   */
  String upsPublishedAfter(List<String> ids, long sinceMs) {
    List<Long> carried = new java.util.ArrayList<>();
    List<Long> checked = new java.util.ArrayList<>();
    long lag = 0;
    for (String id : ids) {
      for (Published p : published.getOrDefault(id, List.of())) {
        if (p.ts() > sinceMs) {
          (p.carried() ? carried : checked).add(p.ts() - sinceMs);
          lag = Math.max(lag, p.heardMs() - p.ts());
          break;
        }
      }
    }
    return "carried over " + spread(carried) + ", checked first " + spread(checked) + ", heard at most " + lag
      + " ms after they were published";
  }

  private static String spread(List<Long> ms) {
    if (ms.isEmpty()) {
      return "0";
    }
    java.util.Collections.sort(ms);
    return ms.size() + " published " + ms.get(0) + " / " + ms.get(ms.size() / 2) + " / " + ms.get(ms.size() - 1)
      + " ms (first / median / last)";
  }

  /** The "down" facts heard so far, by reason. */
  Map<String, Long> downs() {
    return Map.copyOf(downs);
  }

  /** How many "down" facts there were so far but the bench's own retractions (whose container is gone). */
  long falseDowns() {
    return downs.entrySet().stream().filter(e -> !e.getKey().equals(RETRACTED)).mapToLong(Map.Entry::getValue).sum();
  }
}
