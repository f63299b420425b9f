package dev.pharos.ambassador.impl;

import dev.pharos.catalog.CatalogEndpoint;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Chooses the endpoint of a new connection as Synapse's HAProxy would: by weight (smooth
 * weighted round-robin, nginx's, so weights 1 and 3 interleave rather than come in runs), or by
 * fewest open connections per unit of weight; {@code backup} endpoints only while no other is
 * up. An endpoint that refused or timed out {@code ejectAfter} times in a row is skipped for
 * {@code ejectForMs} (passive health, as Envoy's outlier detection), unless every endpoint is.
 * Endpoints can change at any time; counts of open connections to an endpoint that left are
 * kept until those connections close.
 */
public final class Balancer {

  public enum Strategy { ROUND_ROBIN, LEAST_CONNECTIONS }

  /** Passive health: how many failures in a row eject an endpoint, and for how long. */
  public record Ejection(int after, long forMs) {
    public static final Ejection DEFAULT = new Ejection(3, 10_000);
  }

  private static final class State {
    int active;
    int failures;
    long ejectedUntil;
    /** Smooth weighted round-robin's running weight. */
    long current;
  }

  private final Strategy strategy;
  private final Ejection ejection;
  private final LongSupplier clock;
  private final Runnable onEjected;
  private List<CatalogEndpoint> endpoints = List.of();
  private final Map<String, State> states = new HashMap<>();

  public Balancer(Strategy strategy) {
    this(strategy, Ejection.DEFAULT, System::currentTimeMillis, () -> { });
  }

  public Balancer(Strategy strategy, Ejection ejection, LongSupplier clock, Runnable onEjected) {
    this.strategy = strategy;
    this.ejection = ejection;
    this.clock = clock;
    this.onEjected = onEjected;
  }

  public static Strategy strategy(String name) {
    return switch (name == null ? "round-robin" : name) {
      case "round-robin" -> Strategy.ROUND_ROBIN;
      case "least-connections" -> Strategy.LEAST_CONNECTIONS;
      default -> throw new IllegalArgumentException("balance '" + name + "' is not round-robin or least-connections");
    };
  }

  public void endpoints(List<CatalogEndpoint> endpoints) {
    this.endpoints = List.copyOf(endpoints);
    java.util.Set<String> present = new java.util.HashSet<>();
    endpoints.forEach(e -> present.add(e.address()));
    states.entrySet().removeIf(e -> !present.contains(e.getKey()) && e.getValue().active == 0);
  }

  public List<CatalogEndpoint> endpoints() {
    return endpoints;
  }

  private State state(CatalogEndpoint e) {
    return states.computeIfAbsent(e.address(), k -> new State());
  }

  private boolean ejected(CatalogEndpoint e, long now) {
    State s = states.get(e.address());
    return s != null && s.ejectedUntil > now;
  }

  /**
   * Every endpoint a new connection may try, in order: the chosen one first, then the rest of
   * its tier, then the backups (when the chosen one was not a backup), so a refusal falls
   * through to the next.
   */
  public List<CatalogEndpoint> order() {
    long now = clock.getAsLong();
    List<CatalogEndpoint> primaries = new ArrayList<>();
    List<CatalogEndpoint> backups = new ArrayList<>();
    for (CatalogEndpoint e : endpoints) {
      if (e.weight() > 0 && !ejected(e, now)) {
        (e.backup() ? backups : primaries).add(e);
      }
    }
    if (primaries.isEmpty() && backups.isEmpty()) {
      endpoints.stream().filter(e -> e.weight() > 0).forEach(primaries::add); // all ejected: try them rather than refuse
    }
    List<CatalogEndpoint> tier = primaries.isEmpty() ? backups : primaries;
    List<CatalogEndpoint> order = new ArrayList<>(primaries.size() + backups.size());
    if (tier.isEmpty()) {
      return order;
    }
    int chosen = choose(tier);
    for (int i = 0; i < tier.size(); i++) {
      order.add(tier.get((chosen + i) % tier.size()));
    }
    if (tier == primaries) {
      order.addAll(backups);
    }
    return order;
  }

  /** Smooth weighted round-robin over {@code tier}; with least-connections, among the least loaded per weight. */
  private int choose(List<CatalogEndpoint> tier) {
    long total = 0;
    int best = -1;
    double bestLoad = Double.MAX_VALUE;
    for (CatalogEndpoint e : tier) {
      total += e.weight();
    }
    if (strategy == Strategy.LEAST_CONNECTIONS) {
      for (CatalogEndpoint e : tier) {
        bestLoad = Math.min(bestLoad, (double) active(e) / e.weight());
      }
    }
    for (int i = 0; i < tier.size(); i++) {
      CatalogEndpoint e = tier.get(i);
      State s = state(e);
      s.current += e.weight();
      boolean eligible = strategy == Strategy.ROUND_ROBIN || (double) s.active / e.weight() <= bestLoad;
      if (eligible && (best < 0 || s.current > state(tier.get(best)).current)) {
        best = i;
      }
    }
    state(tier.get(best)).current -= total;
    return best;
  }

  public void opened(CatalogEndpoint endpoint) {
    state(endpoint).active++;
  }

  public void closed(CatalogEndpoint endpoint) {
    State s = states.get(endpoint.address());
    if (s != null && s.active > 0) {
      s.active--;
    }
  }

  /** A connection to {@code endpoint} was made: its failures in a row end. */
  public void succeeded(CatalogEndpoint endpoint) {
    State s = states.get(endpoint.address());
    if (s != null) {
      s.failures = 0;
    }
  }

  /** A connection to {@code endpoint} was refused or timed out. */
  public void failed(CatalogEndpoint endpoint) {
    State s = state(endpoint);
    long now = clock.getAsLong();
    if (s.ejectedUntil > now) {
      return;
    }
    if (++s.failures >= ejection.after()) {
      s.failures = 0;
      s.ejectedUntil = now + ejection.forMs();
      onEjected.run();
    }
  }

  /** True while {@code endpoint} is skipped after failing. */
  public boolean ejected(CatalogEndpoint endpoint) {
    return ejected(endpoint, clock.getAsLong());
  }

  public int active(CatalogEndpoint endpoint) {
    State s = states.get(endpoint.address());
    return s == null ? 0 : s.active;
  }

  public int active() {
    return states.values().stream().mapToInt(s -> s.active).sum();
  }
}
