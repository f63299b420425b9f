package dev.pharos.registrar;

import dev.pharos.model.Instance;
import io.vertx.core.Future;

import java.util.Collection;

/**
 * One store's registrations, as registrator's {@code RegistryAdapter}: the registrar hands every
 * adapter the same facts about the instances it owns, and each keeps them in its own store
 * (Nerve znodes in ZooKeeper, the ambassador's documents in etcd). Called on the registrar's
 * context; never blocks. Facts about one instance apply in the order given.
 */
public interface RegistryAdapter {

  /** The store's name in changes and metrics: {@code zookeeper}, {@code etcd}. */
  String store();

  /** Writes or updates the instance's registration; the same instance twice changes nothing. */
  void register(Instance instance);

  /**
   * The same, for an instance's live "up" fact (not a catch-up, reconcile or drain's end): in a
   * group that has not changed for a while, no earlier owner's entry of it is expected, and an
   * adapter may write without looking for one first.
   */
  default void registerFresh(Instance instance) {
    register(instance);
  }

  /**
   * Removes the instance's registration.
   *
   * @param sweep also remove copies this adapter does not hold (left by a previous owner)
   */
  void deregister(Instance instance, boolean sweep);

  /** Forgets the instance without removing it from the store: its new owner replaces it. */
  void release(String instanceId);

  /** Writes again what the store lost (an expired session or lease, a node deleted by hand). */
  void refresh();

  /** The instances this adapter holds in its store. */
  Collection<Instance> services();

  /**
   * Stops. With other registrars live, waits within a bound for them to take over what it holds;
   * what is left it removes.
   */
  Future<Void> close(boolean othersLive);
}
