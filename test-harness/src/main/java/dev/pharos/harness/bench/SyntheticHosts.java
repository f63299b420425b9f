package dev.pharos.harness.bench;

import dev.pharos.bus.Addresses;
import dev.pharos.model.Container;
import dev.pharos.model.Host;
import dev.pharos.model.InstanceResolver;
import dev.pharos.model.PortBinding;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Docker hosts that exist only on the bus: the bench plays their docker watchers, publishing
 * the facts a watcher would ({@code snapshot}, {@code up}, {@code down} on
 * {@link Addresses#CONTAINERS}) and answering a starting checker's snapshot request and
 * announce. Host {@code i} is {@code synthetic-NNN} at a loopback address of its own; each
 * container publishes one tcp port, served by a {@link Backends} server on that address.
 */
final class SyntheticHosts {

  static final String ENV = "bench";

  private final List<Host> hosts = new ArrayList<>();
  /** Published containers by host index, then container id. */
  private final List<Map<String, Container>> containers = new ArrayList<>();
  private final Backends backends;
  private final int apps;
  private Vertx bus;
  private int created;

  SyntheticHosts(int count, int apps, Backends backends) {
    this.apps = apps;
    this.backends = backends;
    for (int i = 0; i < count; i++) {
      // 127.0.1.1, 127.0.1.2, ...: clear of 127.0.0.1, where the nodes themselves listen
      hosts.add(new Host(String.format(Locale.ROOT, "synthetic-%03d", i), "127.0." + (1 + i / 250) + "." + (1 + i % 250)));
      containers.add(new LinkedHashMap<>());
    }
  }

  static String app(int i) {
    return String.format(Locale.ROOT, "app-%02d", i);
  }

  /** Makes {@code n} containers (their backends listening), spread over the hosts in turn; not yet published. */
  List<Synthetic> create(int n) throws Exception {
    List<Integer> onHost = new ArrayList<>();
    List<String> addresses = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int host = (created + i) % hosts.size();
      onHost.add(host);
      addresses.add(hosts.get(host).ip());
    }
    List<Backends.Slot> bound = backends.bind(addresses);
    List<Synthetic> made = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int seq = ++created;
      String id = String.format(Locale.ROOT, "%012x%052x", seq, 0); // short ids differ
      Container container = Container.of(id, "c" + seq, "bench",
        Map.of("sd-env", ENV, "sd-name", app(seq % apps)), List.of(new PortBinding(80, bound.get(i).port(), "tcp")), false);
      Host host = hosts.get(onHost.get(i));
      made.add(new Synthetic(onHost.get(i), host.id(), container, InstanceResolver.instanceId(host, container), bound.get(i)));
    }
    return made;
  }

  /** Joins the bus as every synthetic host's docker watcher: answers snapshot requests and announces. */
  void serve(Vertx clustered) throws Exception {
    bus = clustered;
    // a request reaches one watcher: this one answers for the first host, as a real one does for its own
    bus.eventBus().<JsonObject>consumer(Addresses.CONTAINERS_SNAPSHOT, msg -> msg.reply(snapshot(0)))
      .completion().await(10, TimeUnit.SECONDS);
    bus.eventBus().<JsonObject>consumer(Addresses.CONTAINERS_ANNOUNCE, msg -> publishSnapshots())
      .completion().await(10, TimeUnit.SECONDS);
  }

  /** Adds the containers without a fact each: the next snapshots carry them. */
  synchronized void add(List<Synthetic> load) {
    load.forEach(s -> containers.get(s.host()).put(s.container().id(), s.container()));
  }

  /** One {@code snapshot} fact per host, as every watcher publishes after a resync. */
  synchronized void publishSnapshots() {
    for (int i = 0; i < hosts.size(); i++) {
      bus.eventBus().publish(Addresses.CONTAINERS, snapshot(i).put("type", "snapshot"));
    }
  }

  /** The container started: an {@code up} fact. */
  synchronized void up(Synthetic s) {
    containers.get(s.host()).put(s.container().id(), s.container());
    bus.eventBus().publish(Addresses.CONTAINERS, fact("up", s));
  }

  /** The container stopped: a {@code down} fact. */
  synchronized void down(Synthetic s) {
    containers.get(s.host()).remove(s.container().id());
    bus.eventBus().publish(Addresses.CONTAINERS, fact("down", s));
  }

  private JsonObject fact(String type, Synthetic s) {
    return new JsonObject().put("type", type).put("host", hosts.get(s.host()).toJson())
      .put("container", s.container().toJson()).put("ts", System.currentTimeMillis());
  }

  private synchronized JsonObject snapshot(int host) {
    JsonArray list = new JsonArray();
    containers.get(host).values().forEach(c -> list.add(c.toJson()));
    return new JsonObject().put("host", hosts.get(host).toJson()).put("containers", list).put("ts", System.currentTimeMillis());
  }

  /** A synthetic container: its host (index and id), the instance id Pharos gives it, its backend. */
  record Synthetic(int host, String hostId, Container container, String instanceId, Backends.Slot backend) {
  }
}
