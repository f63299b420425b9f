package dev.pharos.catalog.impl;

import dev.pharos.catalog.CatalogEndpoint;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StoreDocumentsTest {

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void nerveZnodesAsSynapseReadsThem() {
    assertArrayEquals(new String[]{"prod", "web"}, NerveSource.registration("/env/prod/sd/web/sd/h-1_0000000003"));
    assertNull(NerveSource.registration("/env/prod/sd/web"), "a definition is no registration");
    assertNull(NerveSource.registration("/env/prod/sd/web/sd"));
    assertNull(NerveSource.registration("/env/prod/sd//sd/x"));

    CatalogEndpoint e = NerveSource.endpoint("/env/prod/sd/web/sd/x", "prod", "web", bytes(
      "{\"host\":\"10.0.0.1\",\"port\":8080,\"name\":\"x\",\"weight\":3,\"haproxy_server_options\":\"backup check\","
        + "\"labels\":{\"az\":\"1\"}}"));
    assertEquals("10.0.0.1:8080", e.address());
    assertEquals(3, e.weight());
    assertTrue(e.backup());
    assertEquals(Set.of("prod", "az:1"), e.tags());

    CatalogEndpoint plain = NerveSource.endpoint("/k", "dev", "web", bytes("{\"host\":\"h\",\"port\":\"81\",\"name\":\"x\"}"));
    assertEquals(1, plain.weight());
    assertFalse(plain.backup());

    assertEquals("field port is missing", assertThrows(IllegalArgumentException.class,
      () -> NerveSource.endpoint("/k", "dev", "web", bytes("{\"host\":\"h\"}"))).getMessage());
    assertTrue(assertThrows(IllegalArgumentException.class,
      () -> NerveSource.endpoint("/k", "dev", "web", bytes("{\"host\":\"h\",\"port\":1,\"weight\":\"heavy\"}"))).getMessage()
      .startsWith("field weight"));
    assertTrue(assertThrows(IllegalArgumentException.class,
      () -> NerveSource.endpoint("/k", "dev", "web", bytes("nerve"))).getMessage().startsWith("not JSON"));
  }

  @Test
  void nesoiEndpointUrisNeedAHostAndAPort() {
    assertEquals("api", NesoiSource.service("/nesoi/srv/api/h1"));
    assertNull(NesoiSource.service("/nesoi/srv/api"));
    // the cache it follows holds all of /nesoi: a hook or an app of the same depth is no host
    assertNull(NesoiSource.service("/nesoi/hooks/srv/api"));
    assertNull(NesoiSource.service("/nesoi/app/api/h1"));
    CatalogEndpoint e = NesoiSource.endpoint("/nesoi/srv/api/h1#http", "api", "http", "http://127.0.0.1:8080/");
    assertEquals("127.0.0.1:8080", e.address());
    assertEquals(CatalogEndpoint.NESOI_ENV, e.env());
    assertEquals(Set.of("srv", "http"), e.tags());
    assertEquals("URI 'http://127.0.0.1/' has no port", assertThrows(IllegalArgumentException.class,
      () -> NesoiSource.endpoint("/k", "api", "http", "http://127.0.0.1/")).getMessage());
    assertThrows(IllegalArgumentException.class, () -> NesoiSource.endpoint("/k", "api", "http", 5432));
  }

  @Test
  void etcdInstanceKeys() {
    assertArrayEquals(new String[]{"prod", "redis"}, EtcdSource.instanceKey("/services/prod/redis/6379/49161/abc"));
    assertNull(EtcdSource.instanceKey("/services/prod/redis"));
  }
}
