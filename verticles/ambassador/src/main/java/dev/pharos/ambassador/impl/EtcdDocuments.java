package dev.pharos.ambassador.impl;

import dev.pharos.bus.Addresses;
import dev.pharos.bus.InstanceFilter;
import dev.pharos.catalog.CatalogEndpoint;
import dev.pharos.catalog.ConsumerCatalog;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The ambassador's answer on {@link Addresses#ENDPOINTS_SNAPSHOT}: the etcd documents of its
 * catalog, all of them, those of some services only, or only how many each service has by env.
 * The last is what the api's list of services needs, and it costs the catalog's services, so the
 * bus no longer carries every etcd document for one page of summaries.
 */
public final class EtcdDocuments {

  private EtcdDocuments() {
  }

  /**
   * @param request {@code {}}, {@code {"apps":[…],"envs":[…]}} or {@code {"counts":true,"except":[key…]}}
   * @throws IllegalArgumentException naming the field that is not of its form
   */
  public static JsonObject answer(ConsumerCatalog catalog, JsonObject request) {
    JsonObject asked = request == null ? new JsonObject() : request;
    Object counts = asked.getValue("counts");
    if (counts != null && !(counts instanceof Boolean)) {
      throw new IllegalArgumentException("counts: true or false, not " + counts);
    }
    if (Boolean.TRUE.equals(counts)) {
      return new JsonObject().put("counts", counts(catalog, keys(asked)));
    }
    InstanceFilter filter = InstanceFilter.of(asked);
    JsonArray list = new JsonArray();
    List<CatalogEndpoint> entries = filter.apps().isEmpty() ? catalog.entries(CatalogEndpoint.ETCD)
      : new TreeSet<>(filter.apps()).stream().flatMap(app -> catalog.entries(CatalogEndpoint.ETCD, app).stream()).toList();
    for (CatalogEndpoint e : entries) {
      if (filter.envs().isEmpty() || filter.envs().contains(e.env())) {
        list.add(new JsonObject().put("key", e.key()).put("env", e.env()).put("service", e.app()).put("address", e.address())
          .put("tags", new JsonArray(List.copyOf(e.tags()))));
      }
    }
    return new JsonObject().put("endpoints", list);
  }

  /** By service then env, leaving out the documents at {@code except}'s keys (those the api lists as Docker's). */
  private static JsonObject counts(ConsumerCatalog catalog, Set<String> except) {
    JsonObject body = new JsonObject();
    catalog.counts(CatalogEndpoint.ETCD, except).forEach((app, envs) -> body.put(app, new JsonObject(new java.util.TreeMap<>(envs))));
    return body;
  }

  private static Set<String> keys(JsonObject request) {
    Object value = request.getValue("except");
    if (value == null) {
      return Set.of();
    }
    if (!(value instanceof JsonArray list) || !list.stream().allMatch(String.class::isInstance)) {
      throw new IllegalArgumentException("except: a list of etcd keys, not " + shown(value));
    }
    return list.stream().map(String.class::cast).collect(java.util.stream.Collectors.toSet());
  }

  private static String shown(Object value) {
    String text = value instanceof JsonArray a ? a.encode() : String.valueOf(value);
    return text.length() > 80 ? text.substring(0, 80) + "…" : text;
  }
}
