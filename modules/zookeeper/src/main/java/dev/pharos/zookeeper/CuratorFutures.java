package dev.pharos.zookeeper;

import io.vertx.core.Context;
import io.vertx.core.Future;
import org.apache.curator.x.async.AsyncCuratorFramework;
import org.apache.zookeeper.KeeperException;

import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/** Curator's async results as Vert.x futures completed on the caller's context. */
public final class CuratorFutures {

  private CuratorFutures() {
  }

  /** {@code stage} completed on {@code context}, failing with ZooKeeper's own exception rather than its wrapper. */
  public static <T> Future<T> on(CompletionStage<T> stage, Context context) {
    return Future.<T>fromCompletionStage(stage, context).recover(err ->
      Future.failedFuture(err instanceof CompletionException && err.getCause() != null ? err.getCause() : err));
  }

  /** The names under {@code path}; none when it does not exist. */
  public static Future<List<String>> childrenOrNone(AsyncCuratorFramework async, String path, Context context) {
    return on(async.getChildren().forPath(path), context).recover(err -> err instanceof KeeperException.NoNodeException
      ? Future.succeededFuture(List.of()) : Future.failedFuture(err));
  }
}
