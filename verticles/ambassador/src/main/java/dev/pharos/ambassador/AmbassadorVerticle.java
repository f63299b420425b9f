package dev.pharos.ambassador;

import dev.pharos.PharosConfig;
import dev.pharos.ambassador.impl.Balancer;
import dev.pharos.ambassador.impl.EtcdDocuments;
import dev.pharos.ambassador.impl.ProxyListener;
import dev.pharos.ambassador.Requests.Key;
import dev.pharos.ambassador.Requests.Namespace;
import dev.pharos.ambassador.Requests.Request;
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
import io.vertx.core.internal.ContextInternal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
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

  /** This host's containers, by id. */
  private final Map<String, Container> containers = new HashMap<>();
  /** An open listener and the namespace it was opened in (a restarted ambassador container has a new one). */
  private record Opened(Namespace namespace, ProxyListener listener) {
  }

  /** Open listeners, by namespace and port. */
  private final Map<Key, Opened> listeners = new TreeMap<>();
  /** Who asks for each open listener's descriptor. */
  private final Map<Key, List<String>> askers = new TreeMap<>();
  private final Map<String, String> requestProblems = new TreeMap<>();
  private final Map<String, String> listenProblems = new TreeMap<>();

  private StageStatus status;
  private Host host;
  private List<String> ambassadors;
  private List<String> confDescriptors;
  private ProxyListeners factory;
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
    Balancer.Strategy strategy;
    try {
      strategy = Balancer.strategy(ambassadorConf.getString("balance", "round-robin"));
    } catch (IllegalArgumentException e) {
      return Future.failedFuture("ambassador.balance: " + e.getMessage());
    }
    Balancer.Ejection ejection = new Balancer.Ejection(ambassadorConf.getInteger("ejectAfterFailures", Balancer.Ejection.DEFAULT.after()),
      ambassadorConf.getLong("ejectForMs", Balancer.Ejection.DEFAULT.forMs()));
    if (ejection.after() < 1 || ejection.forMs() < 0) {
      return Future.failedFuture("ambassador.ejectAfterFailures must be at least 1 and ambassador.ejectForMs at least 0");
    }
    factory = new ProxyListeners((ContextInternal) context, ambassadorConf.getString("listenHost", "127.0.0.1"), strategy, ejection,
      ambassadorConf.getLong("udpIdleMs", 60_000L), ambassadorConf.getInteger("connectTimeoutMs", 2000), PharosMetrics.registry(conf));
    var bus = vertx.eventBus();
    return status.register(vertx)
      .compose(v -> ConsumerCatalog.acquire(vertx, conf))
      .compose(acquired -> {
        catalog = acquired;
        subscription = catalog.subscribe(context, this::endpointsChanged);
        return bus.<JsonObject>consumer(Addresses.CONTAINERS, msg -> onContainers(msg.body())).completion();
      })
      .compose(v -> bus.<JsonObject>consumer(Addresses.DESCRIPTORS, msg -> msg.reply(descriptors())).completion())
      .compose(v -> bus.<JsonObject>consumer(Addresses.ENDPOINTS_SNAPSHOT, this::etcdDocuments).completion())
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
    listeners.values().forEach(l -> closing.add(l.listener.close()));
    return Future.join(closing).eventually(() -> catalog == null ? Future.succeededFuture() : catalog.release())
      .eventually(() -> factory.close());
  }

  private static List<String> strings(JsonArray array) {
    return array == null ? List.of() : array.stream().map(String::valueOf).toList();
  }

  /** The etcd documents of the catalog, as {@code /v1/services} lists them ({@link EtcdDocuments}); 400 names a malformed field. */
  private void etcdDocuments(io.vertx.core.eventbus.Message<JsonObject> msg) {
    try {
      msg.reply(EtcdDocuments.answer(catalog, msg.body()));
    } catch (IllegalArgumentException e) {
      msg.fail(400, e.getMessage());
    }
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

  /** Opens, keeps and closes listeners so that each requested (namespace, port) has one, then refreshes their endpoints. */
  private void apply() {
    Map<Key, Request> wanted = new TreeMap<>();
    Map<Key, List<String>> wantedBy = new TreeMap<>();
    requestProblems.clear();
    Requests.collect(confDescriptors, containers, ambassadors, requestProblems).forEach(r -> {
      ServiceDescriptor d = r.descriptor();
      Request first = wanted.putIfAbsent(r.key(), r);
      if (first == null || first.descriptor().sameRequestAs(d)) {
        wantedBy.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r.source());
      } else {
        requestProblems.put("descriptor " + r.source() + " " + d.name(), "port " + d.port() + where(r.namespace())
          + " is already the listener of " + first.descriptor().spec() + " for " + wantedBy.get(r.key()) + "; " + d.spec() + " gets none");
      }
    });
    for (Key key : List.copyOf(listeners.keySet())) {
      Request want = wanted.get(key);
      Opened open = listeners.get(key);
      if (want == null || !want.descriptor().sameRequestAs(open.listener.descriptor()) || !want.namespace().equals(open.namespace)) {
        listeners.remove(key);
        askers.remove(key);
        LOG.info("ambassador: closing the listener of {} on {}{}", open.listener.descriptor().spec(), open.listener.address(),
          where(open.namespace));
        open.listener.close();
      }
    }
    Set<String> subjects = new HashSet<>();
    wanted.values().forEach(r -> subjects.add(subject(r.namespace(), r.descriptor())));
    listenProblems.keySet().removeIf(subject -> !subjects.contains(subject));
    wanted.forEach((key, request) -> {
      askers.put(key, wantedBy.get(key));
      if (!listeners.containsKey(key)) {
        open(key, request);
      }
    });
    endpointsChanged(null);
  }

  private static String where(Namespace namespace) {
    return namespace.isHost() ? "" : " in the network namespace of container " + namespace.name();
  }

  /** A listener's health subject: its descriptor, and its ambassador container when it is not on the host. */
  private static String subject(Namespace namespace, ServiceDescriptor d) {
    return "descriptor " + d.spec() + (namespace.isHost() ? "" : " in namespace " + namespace.name());
  }

  private void open(Key key, Request request) {
    ServiceDescriptor descriptor = request.descriptor();
    Namespace namespace = request.namespace();
    ProxyListener listener = factory.create(namespace, descriptor);
    listener.endpoints(endpointsOf(descriptor));
    Opened opened = new Opened(namespace, listener);
    listeners.put(key, opened);
    listener.listen().onSuccess(v -> {
      listenProblems.remove(subject(namespace, descriptor));
      LOG.info("ambassador: {} listens on {}{} for {}", descriptor.spec(), listener.address(), where(namespace), askers.get(key));
      endpointsChanged(null);
    }).onFailure(err -> {
      if (listeners.get(key) != opened) {
        return; // closed meanwhile
      }
      listeners.remove(key);
      listenProblems.put(subject(namespace, descriptor), "cannot listen on " + listener.address() + where(namespace)
        + (namespace.isHost() ? "" : " (pid " + namespace.pid() + ")") + ": " + err.getMessage() + " (retrying every 5 s)");
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
    for (Opened open : listeners.values()) {
      ProxyListener listener = open.listener;
      ServiceDescriptor d = listener.descriptor();
      if (apps == null || apps.contains(d.service())) {
        listener.endpoints(endpointsOf(d));
      }
      if (listener.endpoints().isEmpty() && loaded) {
        problems.put(subject(open.namespace, d), "no healthy endpoint of " + d.service()
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
    listeners.forEach((key, open) -> list.add(open.listener.descriptor().toJson().mergeIn(open.listener.toJson())
      .put("consumers", new JsonArray(askers.getOrDefault(key, List.of())))));
    JsonArray problems = new JsonArray();
    requestProblems.forEach((subject, reason) -> problems.add(new JsonObject().put("subject", subject).put("reason", reason)));
    listenProblems.forEach((subject, reason) -> problems.add(new JsonObject().put("subject", subject).put("reason", reason)));
    return new JsonObject().put("node", status.toJson().getString("node")).put("descriptors", list).put("problems", problems);
  }
}
