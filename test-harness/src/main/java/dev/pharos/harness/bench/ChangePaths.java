package dev.pharos.harness.bench;

import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How a change travels through a node serving the registry, and what it costs there: a change
 * timed from the moment its write is sent to each place a consumer sees it (every SSE client, a
 * DNS answer, the ambassador's endpoint list), and the ZooKeeper requests and bus messages the
 * node spends on one change, counted around a batch of them minus an idle window as long.
 */
final class ChangePaths {

  /** Latencies in ms, sorted. */
  record Latencies(List<Double> all, List<Double> slowest, int missed) {
    double p(double q) {
      return percentile(all, q);
    }
  }

  /** Per change: the node's ZooKeeper requests, its bus messages, and the addresses they went to. */
  record Cost(double zkRequests, double busMessages, Map<String, Double> byAddress) {
  }

  /** Sent on timers whatever changes (status heartbeats, the ambassador's snapshot announcements): not a change's cost. */
  static final java.util.Set<String> PERIODIC = java.util.Set.of("pharos.status", "pharos.containers.announce");

  /*
   * The changes' addresses are 127.1.x.y: the registry's instances take every 127.0.x.y at
   * 100,000, and an A answer has one record per address, so a change on an address the service
   * already has (another port) would never be seen in DNS.
   */
  private final ScaleNode node;
  private final RegistryFill fill;
  private final EtcdFill etcd;
  private final ZkEnsemble ensemble;
  private final int perApp;
  private int serial;

  /** @param etcd the registry's etcd documents, or null when the benchmark writes none */
  ChangePaths(ScaleNode node, RegistryFill fill, EtcdFill etcd, ZkEnsemble ensemble, int perApp) {
    this.node = node;
    this.fill = fill;
    this.etcd = etcd;
    this.ensemble = ensemble;
    this.perApp = perApp;
  }

  /** {@code changes} Nesoi hosts PUT through the node's api, {@code gapMs} apart, timed to each SSE client. */
  Latencies sse(SseClients clients, int expected, int changes, long gapMs, int apps) throws Exception {
    List<Double> all = new ArrayList<>();
    List<Double> slowest = new ArrayList<>();
    List<String> written = new ArrayList<>();
    int missed = 0;
    for (int k = 0; k < changes; k++) {
      String path = "/srv/" + RegistryFill.app(k * 37 % apps) + "/sse-" + (serial++);
      long t0 = System.nanoTime();
      int status = node.send("PUT", path, nesoiHost(path, serial));
      if (status != 200) {
        throw new IllegalStateException("PUT " + path + " answered " + status);
      }
      written.add(path);
      List<Long> arrivals = clients.await("srv-updated " + path, expected, Duration.ofSeconds(5));
      missed += expected - arrivals.size();
      double max = 0;
      for (long at : arrivals) {
        double ms = (at - t0) / 1e6;
        all.add(ms);
        max = Math.max(max, ms);
      }
      slowest.add(max);
      Thread.sleep(gapMs);
    }
    for (String path : written) {
      node.send("DELETE", path, null);
    }
    Collections.sort(all);
    Collections.sort(slowest);
    return new Latencies(all, slowest, missed);
  }

  private static String nesoiHost(String path, int n) {
    String host = path.substring(path.lastIndexOf('/') + 1);
    return new JsonObject().put("name", host)
      .put("endpoints", new JsonObject().put("http", "http://127.1.4." + (1 + n % 254) + ":" + (8000 + n / 254) + "/")).encode();
  }

  /** One store's write of a new address for app {@code a} (giving what its removal takes), and that removal. */
  record Store(Adder add, Remover remove) {
    interface Adder {
      String add(int a, String name, String host, int port) throws Exception;
    }

    interface Remover {
      void remove(String written) throws Exception;
    }
  }

  private Store nerve() {
    return new Store(fill::add, fill::remove);
  }

  private Store etcd() {
    return new Store(etcd::add, etcd::remove);
  }

  /** {@code changes} Nerve registrations written to ZooKeeper, each timed to the node's first DNS answer that has it. */
  Latencies dns(int changes, int apps) throws Exception {
    return toDns(nerve(), changes, apps, 53, "127.1.5.");
  }

  /** {@code changes} etcd documents put, each timed to the node's first DNS answer that has it. */
  Latencies etcdToDns(int changes, int apps) throws Exception {
    return toDns(etcd(), changes, apps, 59, "127.1.8.");
  }

  /** Each change on its own address ({@code subnet} x), timed from its write to the first DNS answer that has it, then removed. */
  private Latencies toDns(Store store, int changes, int apps, int stride, String subnet) throws Exception {
    List<Double> ms = new ArrayList<>();
    int missed = 0;
    for (int k = 0; k < changes; k++) {
      int a = k * stride % apps;
      String name = RegistryFill.app(a) + "." + RegistryFill.ENV + ".pharos.";
      long t0 = System.nanoTime();
      String written = store.add().add(a, "dns-" + serial, subnet + (1 + serial % 254), 9000 + serial++ / 254);
      boolean seen = answered(name, perApp + 1);
      double took = (System.nanoTime() - t0) / 1e6;
      if (seen) {
        ms.add(took);
      } else {
        missed++;
      }
      store.remove().remove(written);
      answered(name, perApp);
    }
    Collections.sort(ms);
    return new Latencies(ms, ms, missed);
  }

  /** An etcd document put and deleted {@code pairs} times, each seen in DNS: the node's cost of one change. */
  Cost etcdCost(int pairs, int apps) throws Exception {
    return storeCost(etcd(), pairs, apps, 59, "127.1.9.");
  }


  /** {@code changes} Nerve registrations of the descriptors' apps, each timed to {@code /v1/descriptors} listing it. */
  Latencies ambassador(int changes, List<Integer> descriptorApps) throws Exception {
    List<Double> ms = new ArrayList<>();
    int missed = 0;
    for (int k = 0; k < changes; k++) {
      int a = descriptorApps.get(k % descriptorApps.size());
      String host = "127.1.6." + (1 + serial % 254);
      int port = 9000 + serial / 254;
      long t0 = System.nanoTime();
      String path = fill.add(a, "amb-" + serial++, host, port);
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      boolean seen;
      while (!(seen = node.body("/v1/descriptors").contains("\"" + host + ":" + port + "\"")) && System.nanoTime() < deadline) {
        Thread.sleep(2);
      }
      if (seen) {
        ms.add((System.nanoTime() - t0) / 1e6);
      } else {
        System.err.println("the ambassador did not list " + host + ":" + port + " within 10 s");
        missed++;
      }
      fill.remove(path);
      answered(RegistryFill.app(a) + "." + RegistryFill.ENV + ".pharos.", perApp);
    }
    Collections.sort(ms);
    return new Latencies(ms, ms, missed);
  }

  /** Asks until {@code name} has {@code count} addresses, for 10 s at most; says so when it never had. */
  private boolean answered(String name, int count) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    int seen;
    while ((seen = node.answers(name, 200)) != count) {
      if (System.nanoTime() > deadline) {
        System.err.println(name + " not answered with " + count + " addresses within 10 s (last answer: " + seen + ")");
        return false;
      }
    }
    return true;
  }

  /** A Nerve registration added and removed {@code pairs} times (each seen in DNS before the next): the cost of one change. */
  Cost nerveCost(int pairs, int apps) throws Exception {
    return storeCost(nerve(), pairs, apps, 53, "127.1.7.");
  }

  /** A new address written to one store and removed, {@code pairs} times, each seen in DNS: the node's cost of one change. */
  private Cost storeCost(Store store, int pairs, int apps, int stride, String subnet) throws Exception {
    return cost(2 * pairs, () -> {
      for (int k = 0; k < pairs; k++) {
        int a = k * stride % apps;
        String name = RegistryFill.app(a) + "." + RegistryFill.ENV + ".pharos.";
        String written = store.add().add(a, "cost-" + serial, subnet + (1 + serial % 254), 9000 + serial++ / 254);
        answered(name, perApp + 1);
        store.remove().remove(written);
        answered(name, perApp);
      }
    });
  }


  /** A Nesoi host PUT and DELETEd through the api {@code pairs} times: the cost of one change, its own write included. */
  Cost nesoiCost(int pairs, int apps) throws Exception {
    return cost(2 * pairs, () -> {
      for (int k = 0; k < pairs; k++) {
        String path = "/srv/" + RegistryFill.app(k * 53 % apps) + "/cost-" + serial++;
        if (node.send("PUT", path, nesoiHost(path, serial)) != 200 || node.send("DELETE", path, null) != 204) {
          throw new IllegalStateException("PUT or DELETE of " + path + " failed");
        }
      }
    });
  }

  interface Batch {
    void run() throws Exception;
  }

  private Cost cost(int changes, Batch batch) throws Exception {
    long zk0 = ensemble.requestsFrom(node.pid());
    Map<String, Double> bus0 = node.busMessages();
    long t0 = System.nanoTime();
    batch.run();
    Thread.sleep(500); // what follows the last change (a listener's second look) is counted too
    double busySeconds = (System.nanoTime() - t0) / 1e9;
    long zk1 = ensemble.requestsFrom(node.pid());
    Map<String, Double> bus1 = node.busMessages();
    // the same length idle: pings and status heartbeats, which are not the changes' cost
    Thread.sleep((long) (busySeconds * 1000));
    long zk2 = ensemble.requestsFrom(node.pid());
    Map<String, Double> bus2 = node.busMessages();
    Map<String, Double> byAddress = new TreeMap<>();
    double bus = 0;
    for (String address : bus2.keySet()) {
      if (PERIODIC.contains(address)) {
        continue;
      }
      double during = bus1.getOrDefault(address, 0.0) - bus0.getOrDefault(address, 0.0);
      double idle = bus2.get(address) - bus1.getOrDefault(address, 0.0);
      double per = Math.max(0, during - idle) / changes;
      if (per >= 0.05) {
        byAddress.put(address, per);
        bus += per;
      }
    }
    double zk = Math.max(0, (zk1 - zk0) - (zk2 - zk1)) / (double) changes;
    return new Cost(zk, bus, byAddress);
  }

  static double percentile(List<Double> sorted, double p) {
    return sorted.isEmpty() ? Double.NaN : sorted.get(Math.max(0, Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1)));
  }
}
