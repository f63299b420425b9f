package dev.pharos.catalog.impl;

import dev.pharos.catalog.CatalogEndpoint;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertNull;

class EndpointIndexTest {

  private static CatalogEndpoint zk(String key, String env, String app, String host, int port, int weight, String... tags) {
    return new CatalogEndpoint(CatalogEndpoint.ZOOKEEPER, key, env, app, host, port, Set.of(tags), weight, false);
  }

  private static CatalogEndpoint etcd(String key, String env, String app, String host, int port, String... tags) {
    return new CatalogEndpoint(CatalogEndpoint.ETCD, key, env, app, host, port, Set.of(tags), 1, false);
  }

  private static List<String> addresses(EndpointIndex index, String app, String env, String... tags) {
    return index.endpoints(app, env, Set.of(tags)).stream().map(CatalogEndpoint::address).toList();
  }

  @Test
  void matchesByAppEnvAndEveryTag() {
    EndpointIndex index = new EndpointIndex();
    index.put(etcd("/services/prod/redis/6379/1/a", "prod", "redis", "10.0.0.1", 1, "prod", "stats"));
    index.put(etcd("/services/prod/redis/6379/2/b", "prod", "redis", "10.0.0.2", 2, "prod"));
    index.put(etcd("/services/dev/redis/6379/3/c", "dev", "redis", "10.0.0.3", 3, "dev", "stats"));
    index.put(etcd("/services/prod/apache/80/4/d", "prod", "apache", "10.0.0.4", 4, "prod"));
    assertEquals(List.of("10.0.0.3:3", "10.0.0.1:1", "10.0.0.2:2"), addresses(index, "redis", null));
    assertEquals(List.of("10.0.0.1:1"), addresses(index, "redis", null, "prod", "stats"));
    assertEquals(List.of("10.0.0.3:3"), addresses(index, "redis", "dev"));
    assertEquals(List.of(), addresses(index, "redis", "dev", "prod"));
    assertEquals(List.of(), addresses(index, "nothing", null));
  }

  @Test
  void oneAddressFromTwoStoresIsOneEndpointWithZooKeepersFieldsAndEveryTag() {
    EndpointIndex index = new EndpointIndex();
    index.put(etcd("/services/dev/web/80/1/a", "dev", "web", "10.0.0.1", 1, "dev", "blue"));
    index.put(zk("/env/dev/sd/web/sd/h-a_0000000001", "dev", "web", "10.0.0.1", 1, 3, "dev", "az:1"));
    List<CatalogEndpoint> web = index.endpoints("web", null, Set.of());
    assertEquals(1, web.size());
    assertEquals(CatalogEndpoint.ZOOKEEPER, web.get(0).store());
    assertEquals(3, web.get(0).weight());
    assertEquals(Set.of("dev", "blue", "az:1"), web.get(0).tags());
    assertEquals(2, index.size());

    assertEquals("web", index.remove(CatalogEndpoint.ZOOKEEPER, "/env/dev/sd/web/sd/h-a_0000000001"));
    assertEquals(CatalogEndpoint.ETCD, index.endpoints("web", null, Set.of()).get(0).store());
    assertEquals("web", index.remove(CatalogEndpoint.ETCD, "/services/dev/web/80/1/a"));
    assertEquals(Set.of(), index.apps());
    assertNull(index.remove(CatalogEndpoint.ETCD, "/services/dev/web/80/1/a"), "removing twice changes nothing");
  }

  @Test
  void anEnvExistsWhileSomeAppHasAnEndpointInIt() {
    EndpointIndex index = new EndpointIndex();
    assertFalse(index.hasEnv("prod"));
    index.put(zk("/a", "prod", "web", "10.0.0.1", 80, 1));
    index.put(zk("/b", "prod", "db", "10.0.0.2", 5432, 1));
    index.put(etcd("e1", "prod", "web", "10.0.0.1", 80)); // the same address from a second store: one endpoint
    index.put(zk("/c", "dev", "web", "10.0.0.3", 80, 1));
    assertTrue(index.hasEnv("prod") && index.hasEnv("dev"));
    index.remove(CatalogEndpoint.ZOOKEEPER, "/a");
    index.remove(CatalogEndpoint.ZOOKEEPER, "/b");
    assertTrue(index.hasEnv("prod"), "etcd's entry of web still serves prod");
    index.remove(CatalogEndpoint.ETCD, "e1");
    assertFalse(index.hasEnv("prod"));
    index.put(zk("/c", "stage", "web", "10.0.0.3", 80, 1)); // the same key, now in another env
    assertFalse(index.hasEnv("dev"));
    assertTrue(index.hasEnv("stage"));
  }

  @Test
  void aKeyThatChangesAppMovesAndBothAppsAreTold() {
    EndpointIndex index = new EndpointIndex();
    index.put(zk("/k", "dev", "a", "10.0.0.1", 1, 1, "dev"));
    assertEquals(Set.of("a", "b"), index.put(zk("/k", "dev", "b", "10.0.0.1", 1, 1, "dev")));
    assertEquals(List.of(), addresses(index, "a", null));
    assertEquals(List.of("10.0.0.1:1"), addresses(index, "b", null));
    assertEquals(Set.of(), index.put(zk("/k", "dev", "b", "10.0.0.1", 1, 1, "dev")), "the same entry again changes nothing");
  }

  @Test
  void aStoresCountsByAppAndEnvFollowEachPutMoveAndRemove() {
    EndpointIndex index = new EndpointIndex();
    index.put(etcd("/services/prod/redis/a", "prod", "redis", "10.0.0.1", 1));
    index.put(etcd("/services/prod/redis/b", "prod", "redis", "10.0.0.2", 2));
    index.put(etcd("/services/dev/redis/c", "dev", "redis", "10.0.0.3", 3));
    index.put(zk("/env/prod/sd/redis/sd/x", "prod", "redis", "10.0.0.9", 9, 1));
    assertEquals(java.util.Map.of("redis", java.util.Map.of("prod", 2, "dev", 1)), index.counts(CatalogEndpoint.ETCD, Set.of()));
    // the same key put again with another env and app moves its count
    index.put(etcd("/services/prod/redis/b", "dev", "apache", "10.0.0.2", 2));
    assertEquals(java.util.Map.of("redis", java.util.Map.of("prod", 1, "dev", 1), "apache", java.util.Map.of("dev", 1)),
      index.counts(CatalogEndpoint.ETCD, Set.of()));
    index.put(etcd("/services/prod/redis/a", "dev", "redis", "10.0.0.1", 1));
    assertEquals(java.util.Map.of("redis", java.util.Map.of("dev", 2), "apache", java.util.Map.of("dev", 1)),
      index.counts(CatalogEndpoint.ETCD, Set.of()));
    index.remove(CatalogEndpoint.ETCD, "/services/prod/redis/a");
    index.remove(CatalogEndpoint.ETCD, "/services/dev/redis/c");
    assertEquals(java.util.Map.of("apache", java.util.Map.of("dev", 1)), index.counts(CatalogEndpoint.ETCD, Set.of()));
    assertEquals(java.util.Map.of("redis", java.util.Map.of("prod", 1)), index.counts(CatalogEndpoint.ZOOKEEPER, Set.of()));
    assertEquals(List.of("10.0.0.2:2"), index.entries(CatalogEndpoint.ETCD, "apache").stream().map(CatalogEndpoint::address).toList());
    assertEquals(List.of(), index.entries(CatalogEndpoint.ETCD, "redis"));
    index.put(etcd("/services/dev/apache/e", "dev", "apache", "10.0.0.5", 5));
    index.put(etcd("/services/qa/apache/f", "qa", "apache", "10.0.0.6", 6));
    // left out: one of two in dev, the only one in qa; a key never put changes nothing
    assertEquals(java.util.Map.of("apache", java.util.Map.of("dev", 1)), index.counts(CatalogEndpoint.ETCD,
      Set.of("/services/prod/redis/b", "/services/qa/apache/f", "/services/none")));
    assertEquals(java.util.Map.of(), index.counts(CatalogEndpoint.ETCD,
      Set.of("/services/prod/redis/b", "/services/qa/apache/f", "/services/dev/apache/e")));
  }
}
