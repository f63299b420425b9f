package dev.pharos.harness.examples;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.zookeeper.ZookeeperClusterManager;

/**
 * A subscriber of Pharos's event bus, as the README shows it: joins a Pharos cluster (a node
 * with {@code cluster.enabled}) over its ZooKeeper and prints every change whose {@code uri}
 * starts with a prefix, registrations and Nesoi writes alike.
 * <pre>java -cp ... dev.pharos.harness.examples.FollowChanges 127.0.0.1:2181 /srv/web</pre>
 */
public final class FollowChanges {

  private FollowChanges() {
  }

  public static void main(String[] args) {
    String zookeeper = args.length > 0 ? args[0] : "127.0.0.1:2181";
    String prefix = args.length > 1 ? args[1] : "/";
    Vertx.builder()
      .withClusterManager(new ZookeeperClusterManager(new JsonObject()
        .put("zookeeperHosts", zookeeper).put("rootPath", "pharos-cluster")))
      .buildClustered()
      .onSuccess(vertx -> vertx.eventBus().<JsonObject>consumer("pharos.changes", msg -> {
        JsonObject change = msg.body();
        String uri = change.getString("uri", "");
        if (uri.startsWith(prefix)) {
          // type: registered, deregistered, app-updated, app-deleted, srv-updated, srv-deleted
          System.out.println(change.getString("type") + " " + uri + " (" + change.getString("store") + ")");
        }
      }))
      .onFailure(err -> {
        System.err.println("cannot join the cluster at " + zookeeper + ": " + err.getMessage());
        System.exit(1);
      });
  }
}
