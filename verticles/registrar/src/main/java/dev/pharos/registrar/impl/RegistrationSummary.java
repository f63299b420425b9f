package dev.pharos.registrar.impl;

import dev.pharos.model.Instance;
import io.vertx.core.json.JsonObject;

import java.util.Collection;
import java.util.function.Predicate;

/**
 * A registrar's answer to the list of services ({@code {"summary":true}} on its snapshot
 * address): per app and env, how many instances it has registered in ZooKeeper and since when
 * the latest, and how many of them have an etcd document it wrote (which the ambassador counts
 * among its documents, and the list must not count twice). Grows with the services, not the
 * registrations.
 */
public final class RegistrationSummary {

  private RegistrationSummary() {
  }

  /**
   * @param nerve     the registrations in ZooKeeper, summarised ({@link NerveRegistry#summary})
   * @param documents the instances whose etcd documents this registrar holds (none without etcd)
   */
  public static JsonObject of(JsonObject nerve, Collection<Instance> documents, Predicate<Instance> filter) {
    documents.forEach(i -> {
      if (filter.test(i)) {
        JsonObject counted = entry(nerve, i);
        counted.put("documents", counted.getInteger("documents", 0) + 1);
      }
    });
    return nerve;
  }

  /** The app's env's entry of {@code byApp}, made when missing. */
  static JsonObject entry(JsonObject byApp, Instance instance) {
    return dev.pharos.bus.ByAppAndEnv.entry(byApp, instance.app(), instance.env());
  }
}
