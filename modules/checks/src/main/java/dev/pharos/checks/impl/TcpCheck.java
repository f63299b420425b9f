package dev.pharos.checks.impl;

import dev.pharos.checks.CheckType;
import dev.pharos.checks.Probe;
import io.vertx.core.json.JsonObject;

/** Nerve's {@code tcp}: up when a connection opens within the timeout. */
public final class TcpCheck implements CheckType {

  @Override
  public String name() {
    return "tcp";
  }

  @Override
  public Probe prepare(JsonObject check, String field) {
    return (context, target, timeoutMs) -> context.openAndDrop(target.host(), target.port(), timeoutMs);
  }
}
