package dev.pharos.checks.impl;

import dev.pharos.checks.CheckOptions;
import dev.pharos.checks.CheckType;
import dev.pharos.checks.Probe;
import dev.pharos.model.InvalidDefinitionException;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;

/** Nerve's {@code postgresql}, on Vert.x's PostgreSQL client rather than a {@code psql} process per check. */
public final class PostgresCheck implements CheckType {

  @Override
  public String name() {
    return "postgresql";
  }

  @Override
  public Probe prepare(JsonObject check, String field) throws InvalidDefinitionException {
    SelectOne.Login login = SelectOne.Login.read(new CheckOptions(check, field), name());
    return (context, target, timeoutMs) -> SelectOne.run(deadline -> PgBuilder.pool()
      .with(SelectOne.onePerRun()).with(SelectOne.net(deadline))
      .connectingTo(login.applyTo(new PgConnectOptions(), target.host(), target.port()))
      .using(context.vertx()).build(), timeoutMs);
  }
}
