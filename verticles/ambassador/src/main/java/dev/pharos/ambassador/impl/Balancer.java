package dev.pharos.ambassador.impl;

import dev.pharos.model.ServiceDocument.Endpoint;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Chooses the endpoint of a new connection: round-robin, or least-connections (ties broken
 * round-robin). Endpoints can change at any time; counts of open connections to an endpoint
 * that left are kept until those connections close.
 */
public final class Balancer {

  public enum Strategy { ROUND_ROBIN, LEAST_CONNECTIONS }

  private final Strategy strategy;
  private List<Endpoint> endpoints = List.of();
  private final Map<String, Integer> active = new HashMap<>();
  private int next;

  public Balancer(Strategy strategy) {
    this.strategy = strategy;
  }

  public static Strategy strategy(String name) {
    return switch (name == null ? "round-robin" : name) {
      case "round-robin" -> Strategy.ROUND_ROBIN;
      case "least-connections" -> Strategy.LEAST_CONNECTIONS;
      default -> throw new IllegalArgumentException("balance '" + name + "' is not round-robin or least-connections");
    };
  }

  public void endpoints(List<Endpoint> endpoints) {
    this.endpoints = List.copyOf(endpoints);
  }

  public List<Endpoint> endpoints() {
    return endpoints;
  }

  /** Every endpoint, in the order a new connection should try them. */
  public List<Endpoint> order() {
    int n = endpoints.size();
    List<Endpoint> order = new ArrayList<>(n);
    if (n == 0) {
      return order;
    }
    int start = Math.floorMod(next++, n);
    for (int i = 0; i < n; i++) {
      order.add(endpoints.get((start + i) % n));
    }
    if (strategy == Strategy.LEAST_CONNECTIONS) {
      order.sort(Comparator.comparingInt(e -> active.getOrDefault(e.address(), 0))); // stable: ties keep the rotation
    }
    return order;
  }

  public void opened(Endpoint endpoint) {
    active.merge(endpoint.address(), 1, Integer::sum);
  }

  public void closed(Endpoint endpoint) {
    active.computeIfPresent(endpoint.address(), (k, v) -> v > 1 ? v - 1 : null);
  }

  public int active(Endpoint endpoint) {
    return active.getOrDefault(endpoint.address(), 0);
  }

  public int active() {
    return active.values().stream().mapToInt(Integer::intValue).sum();
  }
}
