package dev.pharos.checks.impl;

import dev.pharos.checks.CheckOptions;
import dev.pharos.checks.CheckType;
import dev.pharos.checks.Probe;
import dev.pharos.model.InvalidDefinitionException;
import io.vertx.core.json.JsonObject;
import io.vertx.mysqlclient.MySQLBuilder;
import io.vertx.mysqlclient.MySQLConnectOptions;

/** Nerve's {@code mysql} (MariaDB too), on Vert.x's MySQL client rather than a {@code mysql} process per check. */
public final class MySqlCheck implements CheckType {

  @Override
  public String name() {
    return "mysql";
  }

  @Override
  public Probe prepare(JsonObject check, String field) throws InvalidDefinitionException {
    SelectOne.Login login = SelectOne.Login.read(new CheckOptions(check, field), name());
    return (context, target, timeoutMs) -> SelectOne.run(deadline -> MySQLBuilder.pool()
      .with(SelectOne.onePerRun()).with(SelectOne.net(deadline))
      .connectingTo(login.applyTo(new MySQLConnectOptions(), target.host(), target.port()))
      .using(context.vertx()).build(), timeoutMs);
  }
}
