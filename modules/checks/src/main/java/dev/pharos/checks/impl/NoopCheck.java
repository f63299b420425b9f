package dev.pharos.checks.impl;

import dev.pharos.checks.CheckType;
import dev.pharos.checks.Probe;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/** Nerve's {@code noop}: always up, for a service registered as long as its container runs. */
public final class NoopCheck implements CheckType {

  @Override
  public String name() {
    return "noop";
  }

  @Override
  public Probe prepare(JsonObject check, String field) {
    return (context, target, timeoutMs) -> Future.succeededFuture("noop");
  }
}
