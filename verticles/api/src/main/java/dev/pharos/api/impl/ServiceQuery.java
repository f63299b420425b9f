package dev.pharos.api.impl;

import io.vertx.core.MultiMap;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The filters and the page of {@code /v1/services} and {@code /v1/services/{name}}:
 * {@code env}, {@code app} and {@code state} (each repeatable: any of the values), {@code q} (part
 * of a service's name), {@code limit} (1 to {@value #MAX_LIMIT}, {@value #DEFAULT_LIMIT} by
 * default), {@code after} (the cursor: the last name or instance id of the previous page) and
 * {@code max_age} (seconds: a REST host updated longer ago is {@code stale}).
 */
public record ServiceQuery(Set<String> envs, Set<String> apps, Set<String> states, String text, int limit, String after, Long maxAge) {

  public static final int DEFAULT_LIMIT = 100;
  public static final int MAX_LIMIT = 1000;
  /** Docker's checked states, then what is known of hosts nothing checks. */
  public static final List<String> STATES = List.of("up", "down", "checking", "maintenance", "unchecked", "stale");

  /** Everything, one default page. */
  public static ServiceQuery all() {
    return new ServiceQuery(Set.of(), Set.of(), Set.of(), null, DEFAULT_LIMIT, null, null);
  }

  /** @throws IllegalArgumentException naming the parameter that is wrong */
  public static ServiceQuery parse(MultiMap params) {
    Set<String> states = values(params, "state");
    for (String state : states) {
      if (!STATES.contains(state)) {
        throw new IllegalArgumentException("state '" + shown(state) + "' is not one of " + String.join(", ", STATES));
      }
    }
    int limit = DEFAULT_LIMIT;
    String limitParam = params.get("limit");
    if (limitParam != null) {
      if (!limitParam.trim().matches("\\d{1,9}") || Integer.parseInt(limitParam.trim()) < 1
        || Integer.parseInt(limitParam.trim()) > MAX_LIMIT) {
        throw new IllegalArgumentException("limit '" + shown(limitParam) + "' is not a whole number from 1 to " + MAX_LIMIT);
      }
      limit = Integer.parseInt(limitParam.trim());
    }
    Long maxAge;
    try {
      maxAge = ServiceListing.maxAge(params.get("max_age"));
    } catch (dev.pharos.nesoi.NesoiDocuments.InvalidResource e) {
      throw new IllegalArgumentException(e.getMessage());
    }
    String text = params.get("q");
    String after = params.get("after");
    return new ServiceQuery(values(params, "env"), values(params, "app"), states,
      text == null || text.isBlank() ? null : text.trim().toLowerCase(java.util.Locale.ROOT), limit,
      after == null || after.isEmpty() ? null : after, maxAge);
  }

  private static Set<String> values(MultiMap params, String name) {
    Set<String> values = new LinkedHashSet<>();
    params.getAll(name).forEach(v -> {
      if (!v.isEmpty()) {
        values.add(v);
      }
    });
    return values;
  }

  private static String shown(String param) {
    return param.length() > 40 ? param.substring(0, 40) + "…" : param;
  }

  /** Whether a service's name passes {@code app} and {@code q}. */
  public boolean named(String name) {
    return (apps.isEmpty() || apps.contains(name)) && (text == null || name.toLowerCase(java.util.Locale.ROOT).contains(text));
  }

  /** Whether an instance in {@code env} and {@code state} passes {@code env} and {@code state}. */
  public boolean passes(String env, String state) {
    return (envs.isEmpty() || (env != null && envs.contains(env))) && (states.isEmpty() || states.contains(state));
  }

  public ServiceQuery withLimit(int newLimit) {
    return new ServiceQuery(envs, apps, states, text, newLimit, after, maxAge);
  }
}
