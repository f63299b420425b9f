package dev.pharos.ambassador.impl;

import dev.pharos.ambassador.ServiceDescriptor;
import dev.pharos.catalog.CatalogEndpoint;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/** A local listener of one descriptor that forwards to its service's current endpoints. */
public abstract class ProxyListener {

  public static final String HOST = "host";

  protected final ServiceDescriptor descriptor;
  protected final String host;
  protected final Balancer balancer;
  protected long forwarded;
  protected long refused;
  protected final ProxyMeters meters;

  protected ProxyListener(ServiceDescriptor descriptor, String host, Balancer.Strategy strategy, Balancer.Ejection ejection,
                          MeterRegistry meters) {
    this.meters = new ProxyMeters(meters, descriptor);
    this.descriptor = descriptor;
    this.host = host;
    this.balancer = new Balancer(strategy, ejection, System::currentTimeMillis, this.meters.ejections::increment);
  }

  protected void forwarded() {
    forwarded++;
    meters.forwarded.increment();
  }

  protected void refused() {
    refused++;
    meters.refused.increment();
  }

  public ServiceDescriptor descriptor() {
    return descriptor;
  }

  public abstract Future<Void> listen();

  public abstract Future<Void> close();

  /** New connections go to these from now on; open ones are left to finish. */
  public void endpoints(List<CatalogEndpoint> endpoints) {
    balancer.endpoints(endpoints);
  }

  public List<CatalogEndpoint> endpoints() {
    return balancer.endpoints();
  }

  /** The network namespace the listener is in: {@code host}, or the ambassador container's name. */
  public String namespace() {
    return HOST;
  }

  public String address() {
    return host + ":" + descriptor.port();
  }

  public JsonObject toJson() {
    JsonArray endpoints = new JsonArray();
    balancer.endpoints().forEach(e -> endpoints.add(new JsonObject().put("address", e.address())
      .put("tags", new JsonArray(List.copyOf(new java.util.TreeSet<>(e.tags())))).put("store", e.store())
      .put("weight", e.weight()).put("backup", e.backup()).put("ejected", balancer.ejected(e)).put("active", balancer.active(e))));
    return new JsonObject().put("listener", descriptor.proto() + "://" + address()).put("namespace", namespace())
      .put("endpoints", endpoints)
      .put("active", balancer.active()).put("forwarded", forwarded).put("refused", refused);
  }
}
