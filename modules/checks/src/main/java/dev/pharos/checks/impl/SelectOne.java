package dev.pharos.checks.impl;

import dev.pharos.checks.CheckOptions;
import dev.pharos.model.InvalidDefinitionException;
import io.vertx.core.Future;
import io.vertx.core.net.NetClientOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnectOptions;

import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * What Nerve's mysql and postgresql checks share: log in to {@code dbname} as {@code user} with
 * {@code password} (all three required, as in Nerve) on a new connection, run {@code select 1}
 * and pass when it returns 1.
 */
final class SelectOne {

  /** The options a SQL check needs, read from the definition. */
  record Login(String dbname, String user, String password) {

    static Login read(CheckOptions options, String type) throws InvalidDefinitionException {
      String why = "a " + type + " check logs in with dbname, user and password";
      return new Login(options.requiredString("dbname", why), options.requiredString("user", why),
        options.requiredString("password", why));
    }

    <O extends SqlConnectOptions> O applyTo(O options, String host, int port) {
      options.setHost(host).setPort(port).setDatabase(dbname).setUser(user).setPassword(password)
        .setCachePreparedStatements(false).setReconnectAttempts(0);
      return options;
    }
  }

  private SelectOne() {
  }

  /** Network options that bound the whole conversation, so a server that accepts and then stalls is let go. */
  static NetClientOptions net(long timeoutMs) {
    int ms = (int) Math.min(Integer.MAX_VALUE, timeoutMs);
    return new NetClientOptions().setConnectTimeout(ms).setIdleTimeout(ms).setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
  }

  static PoolOptions onePerRun() {
    return new PoolOptions().setMaxSize(1).setMaxWaitQueueSize(0);
  }

  /** Runs {@code select 1} on a pool of one made for this run, then closes it: one new connection per check. */
  static Future<String> run(Function<Long, Pool> pools, long timeoutMs) {
    Pool pool = pools.apply(timeoutMs);
    return pool.query("select 1").execute()
      .compose(rows -> {
        Iterator<Row> it = rows.iterator();
        Object value = it.hasNext() ? it.next().getValue(0) : null;
        return value instanceof Number n && n.longValue() == 1 ? Future.succeededFuture("select 1 returned 1")
          : Future.<String>failedFuture("select 1 returned " + value);
      })
      .eventually(pool::close);
  }
}
