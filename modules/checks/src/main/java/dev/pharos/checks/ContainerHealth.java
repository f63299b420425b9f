package dev.pharos.checks;

import dev.pharos.model.Instance;

/** Docker's own verdict on an instance's container, as the docker watcher last reported it. */
@FunctionalInterface
public interface ContainerHealth {

  /** Docker's health status: {@code healthy}, {@code unhealthy}, {@code starting}. */
  String NONE = "none";

  /**
   * @return the container's last health status, {@link #NONE} when it has no HEALTHCHECK, or
   *         null when the container is not known here
   */
  String of(Instance instance);
}
