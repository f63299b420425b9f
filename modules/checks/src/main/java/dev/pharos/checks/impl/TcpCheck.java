package dev.pharos.checks.impl;

import dev.pharos.checks.CheckType;
import dev.pharos.checks.Probe;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.ConnectOptions;

/** Nerve's {@code tcp}: up when a connection opens within the timeout. */
public final class TcpCheck implements CheckType {

  @Override
  public String name() {
    return "tcp";
  }

  @Override
  public Probe prepare(JsonObject check, String field) {
    return (context, target, timeoutMs) -> context.tcp()
      .connect(new ConnectOptions().setHost(target.host()).setPort(target.port()).setTimeout((int) Math.min(Integer.MAX_VALUE, timeoutMs)))
      .compose(socket -> socket.close().map("connected"));
  }
}
