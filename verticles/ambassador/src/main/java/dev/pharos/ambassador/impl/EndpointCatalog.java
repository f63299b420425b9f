package dev.pharos.ambassador.impl;

import dev.pharos.ambassador.ServiceDescriptor;
import dev.pharos.model.ServiceDocument;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What etcd's {@code /services/} tree says, key by key: each service document as an endpoint,
 * or why it is not one. Fed by a pull-then-watch; asked which endpoints match a descriptor.
 */
public final class EndpointCatalog {

  /** One instance key: {@code /services/{env}/{name}/{port}/{host_port}/{id}}. */
  public record Entry(String key, String env, String service, ServiceDocument.Endpoint endpoint) {
  }

  private final Map<String, Entry> entries = new TreeMap<>();
  private final Map<String, String> problems = new TreeMap<>();

  /** {@code [env, service]} of an instance key, or null for any other key (a directory, say). */
  static String[] instanceKey(String key) {
    String[] parts = key.split("/", -1);
    // "", "services", env, name, port, host_port, id
    if (parts.length != 7 || !parts[1].equals("services")) {
      return null;
    }
    for (int i = 2; i < 7; i++) {
      if (parts[i].isEmpty()) {
        return null;
      }
    }
    return new String[]{parts[2], parts[3]};
  }

  public void replace(Map<String, byte[]> values) {
    entries.clear();
    problems.clear();
    values.forEach(this::put);
  }

  /** @return true when the key is an instance key */
  public boolean put(String key, byte[] value) {
    String[] ids = instanceKey(key);
    if (ids == null) {
      return false;
    }
    try {
      entries.put(key, new Entry(key, ids[0], ids[1], ServiceDocument.endpoint(value)));
      problems.remove(key);
    } catch (IllegalArgumentException e) {
      entries.remove(key);
      problems.put(key, e.getMessage());
    }
    return true;
  }

  public boolean delete(String key) {
    problems.remove(key);
    return entries.remove(key) != null;
  }

  /** Documents that are not endpoints, by key, with the reason. */
  public Map<String, String> problems() {
    return Map.copyOf(problems);
  }

  public int size() {
    return entries.size();
  }

  /** Every instance document, by key: {@code {"endpoints":[{"key","env","service","address","tags"}]}}. */
  public JsonObject toJson() {
    JsonArray list = new JsonArray();
    entries.values().forEach(e -> list.add(new JsonObject().put("key", e.key()).put("env", e.env()).put("service", e.service())
      .put("address", e.endpoint().address()).put("tags", new JsonArray(List.copyOf(e.endpoint().tags())))));
    return new JsonObject().put("endpoints", list);
  }

  /**
   * The distinct endpoints of the descriptor's service, in its env if it names one, whose tags
   * include every tag it asks for; in key order, so every listener sees the same order.
   */
  public List<ServiceDocument.Endpoint> endpoints(ServiceDescriptor descriptor) {
    List<ServiceDocument.Endpoint> matching = new ArrayList<>();
    java.util.Set<String> addresses = new java.util.HashSet<>();
    for (Entry e : entries.values()) {
      if (e.service().equals(descriptor.service())
        && (descriptor.env() == null || descriptor.env().equals(e.env()))
        && e.endpoint().tags().containsAll(descriptor.tags())
        && addresses.add(e.endpoint().address())) {
        matching.add(e.endpoint());
      }
    }
    return matching;
  }
}
