package dev.pharos.bus;

import dev.pharos.model.Instance;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The apps and envs a snapshot request asks for, {@code {"apps":[...],"envs":[...]}}; an empty set
 * passes all. With it the api asks each registrar and health checker for one service's instances
 * only, so the bus carries that service's, not every instance of the cluster.
 */
public record InstanceFilter(Set<String> apps, Set<String> envs) {

  public static final InstanceFilter ALL = new InstanceFilter(Set.of(), Set.of());

  /** The request's filter; a field that is not a list of strings is an error naming it. */
  public static InstanceFilter of(JsonObject request) {
    if (request == null) {
      return ALL;
    }
    return new InstanceFilter(strings(request, "apps"), strings(request, "envs"));
  }

  private static Set<String> strings(JsonObject request, String field) {
    Object value = request.getValue(field);
    if (value == null) {
      return Set.of();
    }
    if (!(value instanceof JsonArray list)) {
      throw new IllegalArgumentException(field + ": a list of names, not " + value);
    }
    Set<String> names = new HashSet<>();
    for (Object name : list) {
      if (!(name instanceof String s)) {
        throw new IllegalArgumentException(field + ": a list of names, not " + list.encode());
      }
      names.add(s);
    }
    return Set.copyOf(names);
  }

  public boolean passes(Instance instance) {
    return (apps.isEmpty() || apps.contains(instance.app())) && (envs.isEmpty() || envs.contains(instance.env()));
  }

  /** {@code request} with this filter in it (nothing added for {@link #ALL}). */
  public JsonObject into(JsonObject request) {
    if (!apps.isEmpty()) {
      request.put("apps", new JsonArray(List.copyOf(apps)));
    }
    if (!envs.isEmpty()) {
      request.put("envs", new JsonArray(List.copyOf(envs)));
    }
    return request;
  }
}
