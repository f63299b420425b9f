package dev.pharos.ambassador.impl;

import dev.pharos.catalog.CatalogEndpoint;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BalancerTest {

  private static CatalogEndpoint endpoint(int port, int weight, boolean backup) {
    return new CatalogEndpoint(CatalogEndpoint.ZOOKEEPER, "/k" + port, "dev", "web", "127.0.0.1", port, Set.of("dev"), weight, backup);
  }

  private static Map<Integer, Integer> picks(Balancer balancer, int n) {
    Map<Integer, Integer> picks = new HashMap<>();
    for (int i = 0; i < n; i++) {
      List<CatalogEndpoint> order = balancer.order();
      picks.merge(order.isEmpty() ? 0 : order.get(0).port(), 1, Integer::sum);
    }
    return picks;
  }

  @Test
  void weightsSplitConnectionsAndInterleave() {
    Balancer balancer = new Balancer(Balancer.Strategy.ROUND_ROBIN);
    balancer.endpoints(List.of(endpoint(1, 1, false), endpoint(2, 3, false), endpoint(3, 0, false)));
    assertEquals(Map.of(1, 250, 2, 750), picks(balancer, 1000), "weight 0 takes nothing");
    List<Integer> run = new java.util.ArrayList<>();
    for (int i = 0; i < 40; i++) {
      run.add(balancer.order().get(0).port());
    }
    for (int i = 0; i + 4 <= run.size(); i++) {
      assertEquals(1, java.util.Collections.frequency(run.subList(i, i + 4), 1), "every 4 in a row hold one light pick: " + run);
    }
  }

  @Test
  void aBackupTakesTrafficOnlyWhileNoOtherIsUp() {
    AtomicLong now = new AtomicLong(0);
    AtomicInteger ejections = new AtomicInteger();
    Balancer balancer = new Balancer(Balancer.Strategy.ROUND_ROBIN, new Balancer.Ejection(2, 1000), now::get, ejections::incrementAndGet);
    CatalogEndpoint primary = endpoint(1, 1, false);
    CatalogEndpoint backup = endpoint(2, 1, true);
    balancer.endpoints(List.of(primary, backup));
    assertEquals(Map.of(1, 100), picks(balancer, 100));
    assertEquals(List.of(primary, backup), balancer.order(), "the backup is the fallback of a refused connection");

    balancer.failed(primary);
    assertFalse(balancer.ejected(primary), "one failure is not enough");
    balancer.failed(primary);
    assertTrue(balancer.ejected(primary));
    assertEquals(1, ejections.get());
    assertEquals(Map.of(2, 10), picks(balancer, 10), "ejected: the backup takes over");
    now.addAndGet(1001);
    assertEquals(Map.of(1, 10), picks(balancer, 10), "after the cool-down the primary is back");

    balancer.endpoints(List.of(backup));
    assertEquals(Map.of(2, 10), picks(balancer, 10), "the primary deregistered: the backup takes over");
  }

  @Test
  void aSuccessEndsTheFailuresInARowAndAllEjectedStillTries() {
    AtomicLong now = new AtomicLong(0);
    Balancer balancer = new Balancer(Balancer.Strategy.ROUND_ROBIN, new Balancer.Ejection(2, 1000), now::get, () -> { });
    CatalogEndpoint a = endpoint(1, 1, false);
    balancer.endpoints(List.of(a));
    balancer.failed(a);
    balancer.succeeded(a);
    balancer.failed(a);
    assertFalse(balancer.ejected(a));
    balancer.failed(a);
    assertTrue(balancer.ejected(a));
    assertEquals(List.of(a), balancer.order(), "every endpoint ejected: try them rather than refuse");
  }

  @Test
  void leastConnectionsCountsPerUnitOfWeight() {
    Balancer balancer = new Balancer(Balancer.Strategy.LEAST_CONNECTIONS);
    CatalogEndpoint light = endpoint(1, 1, false);
    CatalogEndpoint heavy = endpoint(2, 2, false);
    balancer.endpoints(List.of(light, heavy));
    balancer.opened(light);
    balancer.opened(heavy);
    assertEquals(heavy, balancer.order().get(0), "1 of weight 2 is less loaded than 1 of weight 1");
  }
}
