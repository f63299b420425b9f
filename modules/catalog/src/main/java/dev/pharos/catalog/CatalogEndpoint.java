package dev.pharos.catalog;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Set;

/**
 * One address where a consumer reaches an instance of a service, as one store holds it.
 *
 * @param store  {@link #ZOOKEEPER} (a Nerve znode), {@link #NESOI} (a {@code /srv} host's
 *               endpoint URI) or {@link #ETCD} (a {@code /services/} document)
 * @param key    where the store keeps it: the znode path, {@code /nesoi/srv/NAME/HOST#endpoint},
 *               or the etcd key
 * @param env    the env the store files it under; Nesoi hosts have none and are filed under
 *               {@link #NESOI_ENV}
 * @param app    the service name: the app of {@code /env/{env}/sd/{app}}, Nesoi's
 *               {@code /srv/NAME}, the name of {@code /services/{env}/{name}}
 * @param tags   the env, an etcd document's tags, Nerve labels as {@code key:value}, a Nesoi
 *               endpoint's name
 * @param weight Nerve's {@code weight} (1 when the store has none); 0 takes no traffic
 * @param backup Nerve's {@code haproxy_server_options} says {@code backup}: used only while no
 *               other endpoint is up
 */
public record CatalogEndpoint(String store, String key, String env, String app, String host, int port,
                              Set<String> tags, int weight, boolean backup) {

  public static final String ZOOKEEPER = "zookeeper";
  public static final String NESOI = "nesoi";
  public static final String ETCD = "etcd";
  /** The env under which Nesoi's env-less {@code /srv/NAME} hosts are found ({@code NAME.srv.pharos.}). */
  public static final String NESOI_ENV = "srv";

  public CatalogEndpoint {
    tags = Set.copyOf(tags);
  }

  /** {@code host:port}, what a consumer connects to. */
  public String address() {
    return host + ":" + port;
  }

  /** True when it has every tag of {@code wanted}. */
  public boolean tagged(Set<String> wanted) {
    return tags.containsAll(wanted);
  }

  public JsonObject toJson() {
    return new JsonObject().put("store", store).put("key", key).put("env", env).put("app", app)
      .put("address", address()).put("tags", new JsonArray(List.copyOf(new java.util.TreeSet<>(tags))))
      .put("weight", weight).put("backup", backup);
  }
}
