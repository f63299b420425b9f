package dev.pharos.api.impl;

import dev.pharos.model.Instance;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The instances behind {@code /v1/services}, by service, from each source: Docker instances from
 * the health checker's watches and the registrar's registrations and drained instances; REST
 * hosts from Nesoi's {@code /srv} (summarised by a {@link RestIndex}, built into instances only
 * for the service asked for); etcd documents that no Docker instance of this cluster wrote, from
 * the ambassador's catalog. Pure functions of those snapshots.
 */
public final class ServiceOverview {

  /**
   * @param docker     Docker instances by service (for the whole list, its drained ones only)
   * @param dockerCounts the other Docker instances of the whole list by service, env and state,
   *                   as their checkers counted them
   * @param dockerSince the latest registration by service and env, for the whole list
   * @param etcd       etcd documents by service, when they were asked for (one service's page)
   * @param etcdCounts etcd documents by service then env: counted by the ambassador for the list,
   *                   or from {@code etcd}
   * @param rest       Nesoi's hosts by service then host (live: read on the api's context)
   * @param index      the REST hosts' counts and update times, by service
   */
  public record Sources(Map<String, List<JsonObject>> docker, Map<String, Map<String, Map<String, Integer>>> dockerCounts,
                        Map<String, Map<String, Long>> dockerSince, Map<String, List<JsonObject>> etcd,
                        Map<String, Map<String, Integer>> etcdCounts, Map<String, Map<String, JsonObject>> rest, RestIndex index) {

    /** Every service any source has, in name order. */
    public TreeSet<String> names() {
      TreeSet<String> names = new TreeSet<>(docker.keySet());
      names.addAll(dockerCounts.keySet());
      names.addAll(etcdCounts.keySet());
      names.addAll(index.services().keySet());
      return names;
    }

    /** One service's instances from every source, REST hosts built now. */
    public List<JsonObject> instances(String service, Long maxAge, long nowMs) {
      List<JsonObject> all = new ArrayList<>(docker.getOrDefault(service, List.of()));
      rest.getOrDefault(service, Map.of()).forEach((host, doc) -> all.add(restHost(service, host, doc, maxAge, nowMs)));
      all.addAll(etcd.getOrDefault(service, List.of()));
      return all;
    }
  }

  /**
   * The Docker instances of {@code /v1/instances}' body, by service, and the etcd keys of their
   * documents: the documents an etcd source must not list again.
   */
  public record Docker(Map<String, List<JsonObject>> byService, Set<String> documentPaths) {
  }

  private ServiceOverview() {
  }

  /**
   * @param instances {@code /v1/instances}' body: registrations, maintenance, checks
   * @param rest      Nesoi's services, by service then host
   * @param index     {@code rest}'s index
   * @param etcd      the ambassador's answer ({"endpoints":[...]} or {"counts":{service:{env:n}}}), or null without an ambassador
   */
  public static Sources sources(JsonObject instances, Map<String, Map<String, JsonObject>> rest, RestIndex index, JsonObject etcd) {
    return sources(docker(instances), rest, index, etcd);
  }

  /** The same, from Docker's instances already taken apart. */
  public static Sources sources(Docker docker, Map<String, Map<String, JsonObject>> rest, RestIndex index, JsonObject etcd) {
    Map<String, List<JsonObject>> documents = new TreeMap<>();
    Map<String, Map<String, Integer>> counts = new TreeMap<>();
    if (etcd != null && etcd.getValue("counts") instanceof JsonObject counted) {
      // counted by the ambassador, without the documents of docker.documentPaths (it was told them)
      counted.forEach(service -> {
        Map<String, Integer> envs = new TreeMap<>();
        if (service.getValue() instanceof JsonObject byEnv) {
          byEnv.forEach(env -> envs.put(env.getKey(), ((Number) env.getValue()).intValue()));
        }
        counts.put(service.getKey(), envs);
      });
    } else if (etcd != null) {
      etcd.getJsonArray("endpoints", new JsonArray()).forEach(o -> {
        JsonObject e = (JsonObject) o;
        if (!docker.documentPaths().contains(e.getString("key"))) {
          documents.computeIfAbsent(e.getString("service"), k -> new ArrayList<>()).add(etcdDocument(e));
          counts.computeIfAbsent(e.getString("service"), k -> new TreeMap<>())
            .merge(java.util.Objects.requireNonNullElse(e.getString("env"), ""), 1, Integer::sum);
        }
      });
    }
    return new Sources(docker.byService(), Map.of(), Map.of(), documents, counts, rest, index);
  }

  /**
   * The whole list's sources from the Docker summaries ({@code {"summary","maintenance","counts"}},
   * merged over the registrars and checkers) rather than every instance: the etcd documents are
   * the ambassador's counts less those of the Docker instances' own documents, which the
   * registrars counted (a document written but not yet in the ambassador's catalog can make
   * that one less for a moment; never below none).
   */
  public static Sources summarised(JsonObject summaries, Map<String, Map<String, JsonObject>> rest, RestIndex index, JsonObject etcd) {
    Docker drained = docker(new JsonObject().put("maintenance", summaries.getJsonArray("maintenance")));
    Sources counted = sources(new Docker(drained.byService(), Set.of()), rest, index, etcd);
    JsonObject registrations = summaries.getJsonObject("summary");
    Map<String, Map<String, Integer>> etcdCounts = new TreeMap<>();
    counted.etcdCounts().forEach((service, byEnv) -> byEnv.forEach((env, n) -> etcdCounts.computeIfAbsent(service, k -> new TreeMap<>())
      .put(env, n)));
    DockerSummaries.field(registrations, "documents").forEach((service, byEnv) -> byEnv.forEach((env, ours) -> {
      Map<String, Integer> envs = etcdCounts.get(service);
      if (envs != null && envs.containsKey(env)) {
        int others = (int) Math.max(0, envs.get(env) - ours);
        if (others == 0) {
          envs.remove(env);
        } else {
          envs.put(env, others);
        }
      }
    }));
    etcdCounts.values().removeIf(Map::isEmpty);
    return new Sources(drained.byService(), DockerSummaries.states(summaries.getJsonObject("counts")),
      DockerSummaries.field(registrations, "since"), counted.etcd(), etcdCounts, rest, index);
  }

  /** {@code /v1/instances}' body taken apart: its instances by service, and their documents' etcd keys. */
  public static Docker docker(JsonObject instances) {
    Map<String, List<JsonObject>> docker = new TreeMap<>();
    Set<String> ours = new HashSet<>();
    dockerInstances(instances).values().forEach(i -> {
      Object path = i.remove("documentPath");
      if (path != null) {
        ours.add((String) path);
      }
      docker.computeIfAbsent(i.getString("service"), k -> new ArrayList<>()).add(i);
    });
    return new Docker(docker, ours);
  }

  /**
   * {@code /v1/instances}' body with only the entries (registrations, drained instances, watches)
   * whose instance is of one of {@code apps} and one of {@code envs}; an empty set passes all.
   */
  public static JsonObject only(JsonObject instances, Set<String> apps, Set<String> envs) {
    if (apps.isEmpty() && envs.isEmpty()) {
      return instances;
    }
    JsonObject kept = new JsonObject();
    instances.forEach(e -> {
      if (!(e.getValue() instanceof JsonArray entries)) {
        kept.put(e.getKey(), e.getValue());
        return;
      }
      JsonArray passing = new JsonArray();
      entries.forEach(o -> {
        JsonObject instance = o instanceof JsonObject entry ? entry.getJsonObject("instance") : null;
        if (instance != null && (apps.isEmpty() || apps.contains(instance.getString("app")))
          && (envs.isEmpty() || envs.contains(instance.getString("env")))) {
          passing.add(o);
        }
      });
      kept.put(e.getKey(), passing);
    });
    return kept;
  }

  private static Map<String, JsonObject> dockerInstances(JsonObject instances) {
    Map<String, JsonObject> byId = new LinkedHashMap<>();
    for (Object o : instances.getJsonArray("checks", new JsonArray())) {
      JsonObject watch = (JsonObject) o;
      Boolean up = watch.getBoolean("up");
      JsonObject i = docker(Instance.fromJson(watch.getJsonObject("instance")))
        .put("state", up == null ? "checking" : up ? "up" : "down").put("checks", watch.getJsonArray("checks", new JsonArray()))
        .put("rounds", watch.getLong("rounds", 0L)).put("checker", watch.getString("checker"));
      byId.put(i.getString("id"), i);
    }
    for (Object o : instances.getJsonArray("registrations", new JsonArray())) {
      JsonObject r = (JsonObject) o;
      Instance instance = Instance.fromJson(r.getJsonObject("instance"));
      byId.computeIfAbsent(instance.id(), id -> docker(instance).put("state", "up"))
        .put("registered", true).put("since", r.getLong("since", 0L)).put("path", r.getString("path"))
        .put("registrar", r.getString("registrar"));
    }
    for (Object o : instances.getJsonArray("maintenance", new JsonArray())) {
      JsonObject m = (JsonObject) o;
      Instance instance = Instance.fromJson(m.getJsonObject("instance"));
      byId.computeIfAbsent(instance.id(), id -> docker(instance))
        .put("state", "maintenance").put("maintenance", true).put("since", m.getLong("since", 0L)).put("reason", m.getString("reason", ""));
    }
    byId.values().forEach(i -> {
      i.put("registered", i.getBoolean("registered", false)).put("maintenance", i.getBoolean("maintenance", false));
    });
    return byId;
  }

  private static JsonObject docker(Instance instance) {
    return new JsonObject().put("id", instance.id()).put("source", "docker").put("service", instance.app()).put("env", instance.env())
      .put("host", instance.host()).put("port", instance.port()).put("hostId", instance.hostId())
      .put("container", instance.containerId()).put("documentPath", instance.document() == null ? null : instance.documentPath());
  }

  /**
   * A Nesoi host: nothing checks it, so its state is {@code unchecked}, or {@code stale} when a
   * {@code maxAge} is given and it was updated longer ago (or has no {@code updated_at}).
   */
  public static JsonObject restHost(String service, String host, JsonObject doc, Long maxAge, long nowMs) {
    JsonObject endpoints = doc.getJsonObject("endpoints", new JsonObject());
    String address = endpoints.isEmpty() ? "" : String.valueOf(endpoints.getValue(endpoints.fieldNames().iterator().next()));
    long updated = RestIndex.updatedMs(doc);
    boolean stale = maxAge != null && (updated == Long.MIN_VALUE || updated < nowMs - maxAge * 1000);
    return new JsonObject().put("id", host).put("source", "rest").put("service", service).put("address", address)
      .put("endpoints", endpoints).put("state", stale ? "stale" : "unchecked").put("checked", false)
      .put("updatedAt", doc.getString("updated_at")).put("updatedMs", updated == Long.MIN_VALUE ? null : updated)
      .put("master", doc.getBoolean("master", false)).put("registered", true).put("maintenance", false);
  }

  private static JsonObject etcdDocument(JsonObject e) {
    return new JsonObject().put("id", e.getString("key")).put("source", "etcd").put("service", e.getString("service"))
      .put("env", e.getString("env")).put("address", e.getString("address")).put("tags", e.getJsonArray("tags"))
      .put("state", "unchecked").put("checked", false).put("registered", true).put("maintenance", false);
  }
}
