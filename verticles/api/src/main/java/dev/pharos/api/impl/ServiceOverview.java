package dev.pharos.api.impl;

import dev.pharos.model.Instance;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * {@code GET /v1/services}: every service with its instances from each source, for the dashboard.
 * Docker instances come from the health checker's watches and the registrar's registrations and
 * drained instances; REST hosts from Nesoi's {@code /srv}; etcd documents that no Docker instance
 * of this cluster wrote from the ambassador's catalog. A pure function of those snapshots.
 */
public final class ServiceOverview {

  private ServiceOverview() {
  }

  /**
   * @param instances {@code /v1/instances}' body: registrations, maintenance, checks
   * @param rest      Nesoi's services, by service then host
   * @param etcd      the ambassador's catalog ({"endpoints":[...]}), or null without an ambassador
   */
  public static JsonObject of(JsonObject instances, Map<String, Map<String, JsonObject>> rest, JsonObject etcd) {
    Map<String, Map<String, JsonObject>> byService = new TreeMap<>();
    Map<String, JsonObject> docker = dockerInstances(instances);
    docker.values().forEach(i -> byService.computeIfAbsent(i.getString("service"), k -> new TreeMap<>()).put(i.getString("id"), i));
    rest.forEach((service, hosts) -> hosts.forEach((host, doc) -> byService.computeIfAbsent(service, k -> new TreeMap<>())
      .put("rest:" + host, restHost(service, host, doc))));
    if (etcd != null) {
      Set<String> ours = docker.values().stream().map(i -> i.getString("documentPath")).collect(Collectors.toSet());
      etcd.getJsonArray("endpoints", new JsonArray()).forEach(o -> {
        JsonObject e = (JsonObject) o;
        if (!ours.contains(e.getString("key"))) {
          byService.computeIfAbsent(e.getString("service"), k -> new TreeMap<>()).put("etcd:" + e.getString("key"), etcdDocument(e));
        }
      });
    }
    JsonArray services = new JsonArray();
    byService.forEach((name, list) -> {
      list.values().forEach(i -> i.remove("documentPath"));
      services.add(new JsonObject().put("name", name).put("instances", new JsonArray(List.copyOf(list.values()))));
    });
    return new JsonObject().put("services", services).put("etcd", etcd != null);
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

  private static JsonObject restHost(String service, String host, JsonObject doc) {
    JsonObject endpoints = doc.getJsonObject("endpoints", new JsonObject());
    String address = endpoints.isEmpty() ? "" : String.valueOf(endpoints.getValue(endpoints.fieldNames().iterator().next()));
    return new JsonObject().put("id", host).put("source", "rest").put("service", service).put("address", address)
      .put("endpoints", endpoints).put("state", "up").put("updatedAt", doc.getString("updated_at"))
      .put("master", doc.getBoolean("master", false)).put("registered", true).put("maintenance", false);
  }

  private static JsonObject etcdDocument(JsonObject e) {
    return new JsonObject().put("id", e.getString("key")).put("source", "etcd").put("service", e.getString("service"))
      .put("env", e.getString("env")).put("address", e.getString("address")).put("tags", e.getJsonArray("tags"))
      .put("state", "up").put("registered", true).put("maintenance", false);
  }
}
