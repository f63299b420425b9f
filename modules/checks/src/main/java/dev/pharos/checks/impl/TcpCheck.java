package dev.pharos.checks.impl;

import dev.pharos.checks.CheckContext;
import dev.pharos.checks.CheckTarget;
import dev.pharos.checks.CheckType;
import dev.pharos.checks.Probe;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.net.InetSocketAddress;

/** Nerve's {@code tcp}: up when a connection opens within the timeout. */
public final class TcpCheck implements CheckType {

  @Override
  public String name() {
    return "tcp";
  }

  @Override
  public Probe prepare(JsonObject check, String field) {
    return new Tcp();
  }

  /** A watch runs its probe against one target: an address literal is parsed once, not per run. */
  private static final class Tcp implements Probe {
    private record Resolved(CheckTarget target, InetSocketAddress address) {
    }

    private Resolved last;

    @Override
    public Future<String> run(CheckContext context, CheckTarget target, long timeoutMs) {
      Resolved resolved = last;
      if (resolved == null || resolved.target() != target) {
        resolved = new Resolved(target, CheckContext.literal(target.host(), target.port()));
        last = resolved;
      }
      return resolved.address() != null ? context.openAndDrop(resolved.address(), timeoutMs)
        : context.openAndDrop(target.host(), target.port(), timeoutMs);
    }
  }
}
