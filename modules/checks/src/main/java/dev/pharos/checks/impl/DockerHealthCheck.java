package dev.pharos.checks.impl;

import dev.pharos.checks.CheckType;
import dev.pharos.checks.ContainerHealth;
import dev.pharos.checks.Probe;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * {@code docker}: Docker's own HEALTHCHECK decides. Nothing is probed: each round reads the
 * status the docker watcher last reported from Docker's {@code health_status} events, so rise and
 * fall count rounds as for any check. Passes only on {@code healthy} ({@code starting} is not up).
 */
public final class DockerHealthCheck implements CheckType {

  @Override
  public String name() {
    return "docker";
  }

  @Override
  public Probe prepare(JsonObject check, String field) {
    return (context, target, timeoutMs) -> {
      String health = context.containers().of(target.instance());
      if ("healthy".equals(health)) {
        return Future.succeededFuture("docker: healthy");
      }
      if (health == null) {
        return Future.failedFuture("container " + target.instance().containerId() + " not known here");
      }
      return Future.failedFuture(ContainerHealth.NONE.equals(health)
        ? "container " + target.instance().containerId() + " has no HEALTHCHECK" : "docker: " + health);
    };
  }
}
