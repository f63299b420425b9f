package dev.pharos.api.impl;

import dev.pharos.api.impl.ServiceOverview.Sources;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The pages of {@code /v1/services} (one summary per service) and {@code /v1/services/{name}}
 * (that service's instances), filtered by a {@link ServiceQuery}, after its cursor. Pure.
 */
public final class ServicePages {

  private ServicePages() {
  }

  /**
   * {@code {"services":[{"name","count","states":{state:n},"sources":{source:n},"envs":[…],"lastChange"}],
   * "total","instances","states":{state:n},"next"}}: {@code total} and {@code instances} count every
   * service and instance that passes the filters, not only this page's; {@code next} is the cursor
   * of the next page, null on the last. A service none of whose instances passes is left out.
   */
  public static JsonObject summaries(Sources sources, ServiceQuery query, long nowMs) {
    JsonArray page = new JsonArray();
    Map<String, Integer> states = new TreeMap<>();
    int total = 0;
    long instances = 0;
    String next = null;
    for (String name : sources.names()) {
      if (!query.named(name)) {
        continue;
      }
      JsonObject summary = summary(sources, name, query, nowMs);
      int count = summary.getInteger("count");
      if (count == 0) {
        continue;
      }
      total++;
      instances += count;
      summary.getJsonObject("states").forEach(e -> states.merge(e.getKey(), (Integer) e.getValue(), Integer::sum));
      if (query.after() != null && name.compareTo(query.after()) <= 0) {
        continue;
      }
      if (page.size() < query.limit()) {
        page.add(summary);
      } else if (next == null) {
        next = page.getJsonObject(page.size() - 1).getString("name");
      }
    }
    return new JsonObject().put("services", page).put("total", total).put("instances", instances)
      .put("states", new JsonObject(new TreeMap<>(states))).put("next", next);
  }

  /** One service's summary: its instances that pass the query's env and state, counted by state and source. */
  static JsonObject summary(Sources sources, String name, ServiceQuery query, long nowMs) {
    Map<String, Integer> states = new TreeMap<>();
    Map<String, Integer> bySource = new TreeMap<>();
    TreeSet<String> envs = new TreeSet<>();
    Long last = null;
    for (JsonObject i : sources.docker().getOrDefault(name, List.of())) {
      if (!query.passes(i.getString("env"), i.getString("state"))) {
        continue;
      }
      states.merge(i.getString("state"), 1, Integer::sum);
      bySource.merge(i.getString("source"), 1, Integer::sum);
      if (i.getString("env") != null) {
        envs.add(i.getString("env"));
      }
      Long since = i.getLong("since");
      if (since != null && since > 0 && (last == null || since > last)) {
        last = since;
      }
    }
    // the whole list's Docker instances, as counted by their checkers (drained ones are above)
    for (Map.Entry<String, Map<String, Integer>> env : sources.dockerCounts().getOrDefault(name, Map.of()).entrySet()) {
      for (Map.Entry<String, Integer> state : env.getValue().entrySet()) {
        if (query.passes(env.getKey(), state.getKey())) {
          states.merge(state.getKey(), state.getValue(), Integer::sum);
          bySource.merge("docker", state.getValue(), Integer::sum);
          envs.add(env.getKey());
        }
      }
    }
    // their latest registration: a registered instance is up
    for (Map.Entry<String, Long> env : sources.dockerSince().getOrDefault(name, Map.of()).entrySet()) {
      if (query.passes(env.getKey(), "up") && env.getValue() > 0 && (last == null || env.getValue() > last)) {
        last = env.getValue();
      }
    }
    // nothing checks an etcd document: each is unchecked
    sources.etcdCounts().getOrDefault(name, Map.of()).forEach((env, n) -> {
      if (query.passes(env, "unchecked")) {
        states.merge("unchecked", n, Integer::sum);
        bySource.merge("etcd", n, Integer::sum);
        envs.add(env);
      }
    });
    RestIndex.Hosts rest = sources.index().services().get(name);
    if (rest != null && query.envs().isEmpty()) { // REST hosts have no env: an env filter leaves them out
      int stale = query.maxAge() == null ? 0 : rest.olderThan(nowMs - query.maxAge() * 1000);
      int unchecked = rest.count() - stale;
      if (stale > 0 && query.passes(null, "stale")) {
        states.merge("stale", stale, Integer::sum);
        bySource.merge("rest", stale, Integer::sum);
      }
      if (unchecked > 0 && query.passes(null, "unchecked")) {
        states.merge("unchecked", unchecked, Integer::sum);
        bySource.merge("rest", unchecked, Integer::sum);
      }
      if (bySource.containsKey("rest") && rest.last() != null && (last == null || rest.last() > last)) {
        last = rest.last();
      }
    }
    int count = states.values().stream().mapToInt(Integer::intValue).sum();
    return new JsonObject().put("name", name).put("count", count).put("states", new JsonObject(new TreeMap<>(states)))
      .put("sources", new JsonObject(new TreeMap<>(bySource))).put("envs", new JsonArray(List.copyOf(envs))).put("lastChange", last);
  }

  /**
   * {@code {"name","instances":[…],"total","next"}}: the service's instances that pass the query's
   * env and state, in id order (then source), after its cursor; {@code total} counts them all.
   * Null when the service has no instance at all.
   */
  public static JsonObject instances(Sources sources, String name, ServiceQuery query, long nowMs) {
    List<JsonObject> all = sources.instances(name, query.maxAge(), nowMs);
    if (all.isEmpty()) {
      return null;
    }
    List<JsonObject> passing = new ArrayList<>();
    for (JsonObject i : all) {
      if (query.passes(i.getString("env"), i.getString("state"))) {
        passing.add(i);
      }
    }
    return page(passing, query).put("name", name);
  }

  /**
   * {@code {"instances":[…],"total","next"}}: every Docker instance of {@code docker} whose service
   * passes the query's {@code app} and {@code q}, and whose env and state pass its {@code env} and
   * {@code state}, in id order, after its cursor; {@code total} counts them all.
   */
  public static JsonObject dockerInstances(Map<String, List<JsonObject>> docker, ServiceQuery query) {
    List<JsonObject> passing = new ArrayList<>();
    docker.forEach((service, instances) -> {
      if (query.named(service)) {
        for (JsonObject i : instances) {
          if (query.passes(i.getString("env"), i.getString("state"))) {
            passing.add(i);
          }
        }
      }
    });
    return page(passing, query);
  }

  /** {@code passing} in id order (then source), the query's page of it after its cursor, with the total and the next cursor. */
  private static JsonObject page(List<JsonObject> passing, ServiceQuery query) {
    passing.sort(Comparator.comparing((JsonObject i) -> i.getString("id")).thenComparing(i -> i.getString("source")));
    JsonArray page = new JsonArray();
    String next = null;
    for (JsonObject i : passing) {
      if (query.after() != null && i.getString("id").compareTo(query.after()) <= 0) {
        continue;
      }
      if (page.size() < query.limit()) {
        page.add(i);
      } else {
        next = page.getJsonObject(page.size() - 1).getString("id");
        break;
      }
    }
    return new JsonObject().put("instances", page).put("total", passing.size()).put("next", next);
  }
}
