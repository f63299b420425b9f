package dev.pharos.checks.impl;

import dev.pharos.checks.CheckOptions;
import dev.pharos.checks.CheckType;
import dev.pharos.checks.Probe;
import dev.pharos.model.InvalidDefinitionException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;

/** Nerve's {@code redis}: on a new connection (to database {@code db}, default 0), PING answered PONG. */
public final class RedisCheck implements CheckType {

  @Override
  public String name() {
    return "redis";
  }

  @Override
  public Probe prepare(JsonObject check, String field) throws InvalidDefinitionException {
    int db = new CheckOptions(check, field).integer("db", 0, 0);
    return (context, target, timeoutMs) -> {
      Redis client = Redis.createClient(context.vertx(), new RedisOptions()
        .setConnectionString("redis://" + target.host() + ":" + target.port() + "/" + db)
        .setNetClientOptions(SelectOne.net(timeoutMs)).setMaxPoolSize(1).setMaxPoolWaiting(0)
        // no HELLO: plain RESP2, so servers older than Redis 6 answer too
        .setProtocolNegotiation(false));
      return client.connect()
        .compose(connection -> connection.send(Request.cmd(Command.PING)).eventually(connection::close))
        .compose(reply -> reply != null && "PONG".equals(reply.toString()) ? Future.succeededFuture("PONG")
          : Future.<String>failedFuture("PING answered " + reply))
        .eventually(client::close);
    };
  }
}
