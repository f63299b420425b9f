package dev.pharos.dns;

import dev.pharos.PharosConfig;
import dev.pharos.bus.Addresses;
import dev.pharos.catalog.ConsumerCatalog;
import dev.pharos.dns.impl.DnsMeters;
import dev.pharos.dns.impl.DnsServer;
import dev.pharos.dns.impl.Responder;
import dev.pharos.dns.impl.Zone;
import dev.pharos.metrics.PharosMetrics;
import dev.pharos.stage.StageStatus;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Pharos's DNS interface, as Consul's: {@code <app>.<env>.<domain>} and
 * {@code <tag>.<app>.<env>.<domain>} answer A, AAAA and SRV from the consumer catalog (every
 * store's registrations), over UDP and TCP on {@code dns.host:dns.port}. Each query is answered
 * on this verticle's event loop, straight from the catalog's lock-free lists.
 */
public class DnsVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(DnsVerticle.class);

  /**
   * The answers' TTL by default: a resolver that caches one serves a deregistered endpoint 5 s at
   * most, a third of the 15 s in which a crashed node's registrations go with its ZooKeeper
   * session, while a busy client still asks once every 5 s rather than on every connection.
   */
  public static final long DEFAULT_TTL = 5;

  /** A catalog given by a test, used as is and never released; null: the process's. */
  private final ConsumerCatalog given;
  private final MeterRegistry givenMeters;
  private ConsumerCatalog catalog;
  private AutoCloseable subscription;
  private DnsServer server;
  private StageStatus status;
  private Zone zone;
  private volatile boolean ready;

  public DnsVerticle() {
    this(null, null);
  }

  /** A server on {@code catalog} (a detached one, fed by a test), counting in {@code meters}. */
  public DnsVerticle(ConsumerCatalog catalog, MeterRegistry meters) {
    this.given = catalog;
    this.givenMeters = meters;
  }

  @Override
  public Future<?> start() {
    JsonObject conf = config();
    JsonObject dns = conf.getJsonObject("dns", new JsonObject());
    String host = dns.getString("host", "127.0.0.1");
    int port = dns.getInteger("port", 8600);
    long ttl = dns.getLong("ttl", DEFAULT_TTL);
    String domain = domain(dns.getString("domain", "pharos."));
    if (ttl < 0 || ttl > Integer.MAX_VALUE) {
      return Future.failedFuture("dns.ttl: " + ttl + " is not a number of seconds from 0 to 2147483647");
    }
    if (port < 0 || port > 65535) {
      return Future.failedFuture("dns.port: " + port + " is out of range");
    }
    status = new StageStatus(Addresses.DNS, PharosConfig.node(conf));
    status.detail("domain", domain).detail("ttl", ttl);
    Future<ConsumerCatalog> acquiring = given != null ? Future.succeededFuture(given) : ConsumerCatalog.acquire(vertx, conf);
    return acquiring.compose(acquired -> {
      catalog = acquired;
      zone = new Zone(catalog, domain, ttl, () -> ready);
      ready = catalog.loaded();
      subscription = catalog.subscribe(context, apps -> {
        ready = ready || catalog.loaded();
        report();
      });
      server = new DnsServer((ContextInternal) context, new Responder(zone),
        new DnsMeters(givenMeters != null ? givenMeters : PharosMetrics.registry(conf)), dns.getInteger("sourceQueriesPerSecond", 0),
        dns.getInteger("maxTcpConnections", 256), dns.getLong("tcpIdleMs", 10_000L));
      return server.listen(host, port);
    }).compose(bound -> {
      String listen = (host.contains(":") ? "[" + host + "]" : host) + ":" + bound;
      status.detail("listen", new JsonObject().put("udp", listen).put("tcp", listen));
      LOG.info("dns: answering {} on udp and tcp {}", domain, listen);
      report();
      vertx.setPeriodic(Addresses.STATUS_HEARTBEAT_MS, Addresses.STATUS_HEARTBEAT_MS, t -> report());
      return status.register(vertx);
    });
  }

  /** The domain as a lowercase absolute name ({@code pharos.}). */
  static String domain(String domain) {
    String d = domain.trim().toLowerCase(Locale.ROOT);
    if (d.startsWith(".")) {
      d = d.substring(1);
    }
    return d.endsWith(".") ? d : d + ".";
  }

  /** The stage's state: running, the catalog's stores, and an unreachable store as a problem (its endpoints still served). */
  private void report() {
    if (!ready) {
      ready = catalog.loaded();
    }
    status.state(server == null ? StageStatus.STARTING : StageStatus.RUNNING);
    status.detail("catalog", catalog.toJson()).detail("tcpConnections", server == null ? 0 : server.tcpConnections());
    Map<String, String> problems = new TreeMap<>();
    catalog.stores().forEach((store, state) -> {
      if (state.state().equals("unreachable")) {
        problems.put("store " + store, state.reason() + " (its last known endpoints are still answered)");
      } else if (state.state().equals("loading") && state.reason() != null) {
        problems.put("store " + store, "not read yet: " + state.reason() + " (names without endpoints are SERVFAIL until it is)");
      }
    });
    status.replaceProblems("store ", problems);
  }

  @Override
  public Future<?> stop() {
    if (subscription != null) {
      try {
        subscription.close();
      } catch (Exception e) {
        LOG.debug("dns: closing the catalog subscription", e);
      }
    }
    Future<Void> closed = server == null ? Future.succeededFuture() : server.close();
    return closed.eventually(() -> catalog == null || given != null ? Future.succeededFuture() : catalog.release());
  }
}
