package dev.pharos.ambassador;

import dev.pharos.PharosConfig;
import dev.pharos.ambassador.impl.Balancer;
import dev.pharos.ambassador.impl.ProxyListener;
import dev.pharos.ambassador.impl.TcpProxy;
import dev.pharos.ambassador.impl.UdpProxy;
import dev.pharos.bus.Addresses;
import dev.pharos.metrics.PharosMetrics;
import dev.pharos.bus.ContainerFacts;
import dev.pharos.bus.Snapshots;
import dev.pharos.catalog.CatalogEndpoint;
import dev.pharos.catalog.ConsumerCatalog;
import dev.pharos.model.Container;
import dev.pharos.model.Host;
import dev.pharos.stage.StageStatus;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The Docker ambassador. Consumers are containers joined to an ambassador container's network
 * namespace ({@code --net=container:<ambassador>}) with {@code BACKEND_*} descriptors in their
 * environment, plus the descriptors the conf lists for host-wide listeners. Each descriptor gets
 * a listener on its port that forwards to the healthy endpoints of its service, which it learns
 * from the process's {@link ConsumerCatalog} (Nerve znodes in ZooKeeper, Nesoi's {@code /srv}
 * hosts, etcd's {@code /services/} documents) and follows as they change: a change re-reads the
 * endpoints of its own service's listeners only.
 */
public class AmbassadorVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(AmbassadorVerticle.class);
  static final String CONF_SOURCE = "conf";

  /** This host's containers, by id. */
  private final Map<String, Container> containers = new HashMap<>();
  /** Open listeners, by port. */
  private final Map<Integer, ProxyListener> listeners = new TreeMap<>();
  /** Who asks for each open listener's descriptor. */
  private final Map<Integer, List<String>> askers = new TreeMap<>();
  private final Map<String, String> requestProblems = new TreeMap<>();
  private final Map<String, String> listenProblems = new TreeMap<>();

  private StageStatus status;
  private Host host;
  private List<String> ambassadors;
  private List<String> confDescriptors;
  private String listenHost;
  private Balancer.Strategy strategy;
  private Balancer.Ejection ejection;
  private long udpIdleMs;
  private NetClient netClient;
  private ConsumerCatalog catalog;
  private AutoCloseable subscription;
  private boolean snapshotSeen;

  @Override
  public Future<?> start() {
    JsonObject conf = config();
    JsonObject ambassadorConf = conf.getJsonObject("ambassador", new JsonObject());
    status = new StageStatus(Addresses.AMBASSADOR, PharosConfig.node(conf));
    host = PharosConfig.host(conf);
    ambassadors = strings(ambassadorConf.getJsonArray("containers"));
    confDescriptors = strings(ambassadorConf.getJsonArray("descriptors"));
    listenHost = ambassadorConf.getString("listenHost", "127.0.0.1");
    udpIdleMs = ambassadorConf.getLong("udpIdleMs", 60_000L);
    try {
      strategy = Balancer.strategy(ambassadorConf.getString("balance", "round-robin"));
    } catch (IllegalArgumentException e) {
      return Future.failedFuture("ambassador.balance: " + e.getMessage());
    }
    ejection = new Balancer.Ejection(ambassadorConf.getInteger("ejectAfterFailures", Balancer.Ejection.DEFAULT.after()),
      ambassadorConf.getLong("ejectForMs", Balancer.Ejection.DEFAULT.forMs()));
    if (ejection.after() < 1 || ejection.forMs() < 0) {
      return Future.failedFuture("ambassador.ejectAfterFailures must be at least 1 and ambassador.ejectForMs at least 0");
    }
    netClient = vertx.createNetClient(new NetClientOptions().setTcpNoDelay(true)
      .setConnectTimeout(ambassadorConf.getInteger("connectTimeoutMs", 2000)));
    var bus = vertx.eventBus();
    return status.register(vertx)
      .compose(v -> ConsumerCatalog.acquire(vertx, conf))
      .compose(acquired -> {
        catalog = acquired;
        subscription = catalog.subscribe(context, this::endpointsChanged);
        return bus.<JsonObject>consumer(Addresses.CONTAINERS, msg -> onContainers(msg.body())).completion();
      })
      .compose(v -> bus.<JsonObject>consumer(Addresses.DESCRIPTORS, msg -> msg.reply(descriptors())).completion())
      .compose(v -> bus.<JsonObject>consumer(Addresses.ENDPOINTS_SNAPSHOT, msg -> msg.reply(etcdDocuments())).completion())
      .onSuccess(v -> {
        Snapshots.announceUntil(vertx, () -> snapshotSeen);
        apply();
        vertx.setPeriodic(5000, 5000, t -> apply()); // retries listeners whose port was taken
      });
  }

  @Override
  public Future<?> stop() throws Exception {
    if (subscription != null) {
      subscription.close();
    }
    List<Future<Void>> closing = new ArrayList<>();
    listeners.values().forEach(l -> closing.add(l.close()));
    return Future.join(closing).eventually(() -> catalog == null ? Future.succeededFuture() : catalog.release())
      .eventually(() -> netClient.close());
  }

  private static List<String> strings(JsonArray array) {
    return array == null ? List.of() : array.stream().map(String::valueOf).toList();
  }

  /** The etcd documents of the catalog, as {@code /v1/services} lists them: {"endpoints":[{"key","env","service","address","tags"}]}. */
  private JsonObject etcdDocuments() {
    JsonArray list = new JsonArray();
    catalog.entries(CatalogEndpoint.ETCD).forEach(e -> list.add(new JsonObject().put("key", e.key()).put("env", e.env())
      .put("service", e.app()).put("address", e.address()).put("tags", new JsonArray(List.copyOf(e.tags())))));
    return new JsonObject().put("endpoints", list);
  }

  private void onContainers(JsonObject fact) {
    if (!host.id().equals(Host.fromJson(fact.getJsonObject("host")).id())) {
      return; // a listener here serves only containers sharing this host's namespaces
    }
    if (!ContainerFacts.apply(fact, containers)) {
      return;
    }
    snapshotSeen |= "snapshot".equals(fact.getString("type"));
    apply();
  }

  /** True when {@code container} joined the namespace of one of the configured ambassador containers. */
  private boolean isConsumer(Container container) {
    String joined = container.joinedContainer();
    if (joined == null) {
      return false;
    }
    Container target = containers.get(joined);
    for (String ambassador : ambassadors) {
      if (joined.equals(ambassador) || joined.startsWith(ambassador)
        || (target != null && target.name().equals(ambassador.replaceFirst("^/", "")))) {
        return true;
      }
    }
    return false;
  }

  /** Every descriptor asked for, by who asks ("conf" or "container NAME"), malformed ones recorded. */
  private Map<String, List<ServiceDescriptor>> requests() {
    Map<String, List<ServiceDescriptor>> requests = new LinkedHashMap<>();
    requestProblems.clear();
    for (String line : confDescriptors) {
      try {
        requests.computeIfAbsent(CONF_SOURCE, k -> new ArrayList<>()).add(ServiceDescriptor.parse(line));
      } catch (IllegalArgumentException e) {
        requestProblems.put("descriptor " + CONF_SOURCE + " " + line, "malformed: " + e.getMessage());
      }
    }
    containers.values().stream().filter(this::isConsumer).sorted(java.util.Comparator.comparing(Container::name))
      .forEach(c -> c.env().forEach((name, value) -> {
        if (!name.startsWith(ServiceDescriptor.PREFIX)) {
          return;
        }
        String source = "container " + c.name();
        try {
          requests.computeIfAbsent(source, k -> new ArrayList<>()).add(ServiceDescriptor.parse(name, value));
        } catch (IllegalArgumentException e) {
          requestProblems.put("descriptor " + source + " " + name, "malformed: " + e.getMessage());
        }
      }));
    return requests;
  }

  /** Opens, keeps and closes listeners so that each requested port has one, then refreshes their endpoints. */
  private void apply() {
    Map<Integer, ServiceDescriptor> wanted = new TreeMap<>();
    Map<Integer, List<String>> wantedBy = new TreeMap<>();
    requests().forEach((source, descriptors) -> descriptors.forEach(d -> {
      ServiceDescriptor first = wanted.putIfAbsent(d.port(), d);
      if (first == null || first.sameRequestAs(d)) {
        wantedBy.computeIfAbsent(d.port(), k -> new ArrayList<>()).add(source);
      } else {
        requestProblems.put("descriptor " + source + " " + d.name(), "port " + d.port() + " is already the listener of "
          + first.spec() + " for " + wantedBy.get(d.port()) + "; " + d.spec() + " gets none");
      }
    }));
    for (Integer port : List.copyOf(listeners.keySet())) {
      ServiceDescriptor want = wanted.get(port);
      if (want == null || !want.sameRequestAs(listeners.get(port).descriptor())) {
        ProxyListener gone = listeners.remove(port);
        askers.remove(port);
        LOG.info("ambassador: closing the listener of {} on {}", gone.descriptor().spec(), gone.address());
        gone.close();
      }
    }
    listenProblems.keySet().removeIf(subject -> wanted.values().stream().noneMatch(d -> subject.equals(subject(d))));
    wanted.forEach((port, descriptor) -> {
      askers.put(port, wantedBy.get(port));
      if (!listeners.containsKey(port)) {
        open(descriptor);
      }
    });
    endpointsChanged(null);
  }

  private static String subject(ServiceDescriptor d) {
    return "descriptor " + d.spec();
  }

  private void open(ServiceDescriptor descriptor) {
    ProxyListener listener = descriptor.proto().equals("udp")
      ? new UdpProxy(vertx, descriptor, listenHost, strategy, udpIdleMs, PharosMetrics.registry(config()))
      : new TcpProxy(vertx, netClient, descriptor, listenHost, strategy, ejection, PharosMetrics.registry(config()));
    listener.endpoints(endpointsOf(descriptor));
    listeners.put(descriptor.port(), listener);
    listener.listen().onSuccess(v -> {
      listenProblems.remove(subject(descriptor));
      LOG.info("ambassador: {} listens on {} for {}", descriptor.spec(), listener.address(), askers.get(descriptor.port()));
      endpointsChanged(null);
    }).onFailure(err -> {
      if (listeners.get(descriptor.port()) == listener) {
        listeners.remove(descriptor.port());
      }
      listenProblems.put(subject(descriptor), "cannot listen on " + listener.address() + ": " + err.getMessage()
        + " (retrying every 5 s)");
      endpointsChanged(null);
    });
  }

  private List<CatalogEndpoint> endpointsOf(ServiceDescriptor d) {
    return catalog.endpoints(d.service(), d.env(), Set.copyOf(d.tags()));
  }

  /**
   * Hands the listeners of {@code apps} (every listener when null) their current endpoints and
   * brings the health entries up to date.
   */
  private void endpointsChanged(Set<String> apps) {
    Map<String, String> problems = new TreeMap<>(requestProblems);
    problems.putAll(listenProblems);
    boolean loaded = catalog.loaded();
    for (ProxyListener listener : listeners.values()) {
      ServiceDescriptor d = listener.descriptor();
      if (apps == null || apps.contains(d.service())) {
        listener.endpoints(endpointsOf(d));
      }
      if (listener.endpoints().isEmpty() && loaded) {
        problems.put(subject(d), "no healthy endpoint of " + d.service()
          + (d.tags().isEmpty() ? "" : " tagged " + d.tags()) + "; connections to " + listener.address() + " are refused"
          + (catalog.stores().isEmpty() ? " (no store is configured: zookeeper.connect or etcd.endpoints)" : ""));
      }
    }
    status.replaceProblems("descriptor ", filter(problems, "descriptor "));
    Map<String, String> storeProblems = new TreeMap<>();
    catalog.stores().forEach((store, state) -> {
      if (state.state().equals("unreachable")) {
        storeProblems.put("store " + store, state.reason());
      }
    });
    catalog.problems().forEach((key, reason) -> storeProblems.put("store " + key, reason));
    status.replaceProblems("store ", storeProblems);
    status.detail("listeners", listeners.size()).detail("catalog", catalog.toJson());
    status.state(loaded ? StageStatus.RUNNING : StageStatus.STARTING);
  }

  private static Map<String, String> filter(Map<String, String> problems, String prefix) {
    Map<String, String> matching = new TreeMap<>();
    problems.forEach((k, v) -> {
      if (k.startsWith(prefix)) {
        matching.put(k, v);
      }
    });
    return matching;
  }

  private JsonObject descriptors() {
    JsonArray list = new JsonArray();
    listeners.forEach((port, listener) -> list.add(listener.descriptor().toJson().mergeIn(listener.toJson())
      .put("consumers", new JsonArray(askers.getOrDefault(port, List.of())))));
    JsonArray problems = new JsonArray();
    requestProblems.forEach((subject, reason) -> problems.add(new JsonObject().put("subject", subject).put("reason", reason)));
    listenProblems.forEach((subject, reason) -> problems.add(new JsonObject().put("subject", subject).put("reason", reason)));
    return new JsonObject().put("node", status.toJson().getString("node")).put("descriptors", list).put("problems", problems);
  }
}
