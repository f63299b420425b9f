package dev.pharos.launcher;

import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Nesoi's {@code --seed HOST:PORT}: this node joins the seed node's cluster. Nesoi nodes gossiped
 * with their seed; Pharos nodes share a ZooKeeper, so the seed is asked ({@code GET /v1/cluster})
 * for its ZooKeeper and cluster root, and this node uses them with clustering on.
 */
final class SeedJoin {

  private SeedJoin() {
  }

  static void join(JsonObject conf) throws Exception {
    String seed = conf.getString("seed");
    HttpResponse<String> response = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
      .send(HttpRequest.newBuilder(URI.create("http://" + seed + "/v1/cluster")).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException("GET /v1/cluster answered " + response.statusCode());
    }
    JsonObject cluster = new JsonObject(response.body());
    conf.getJsonObject("zookeeper").put("connect", cluster.getString("zookeeper"));
    // the store is shared either way; the event bus is shared when the seed is clustered too
    conf.getJsonObject("cluster").put("enabled", cluster.getBoolean("clustered", false)).put("rootPath", cluster.getString("rootPath"));
  }
}
