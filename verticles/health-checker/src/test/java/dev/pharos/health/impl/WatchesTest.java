package dev.pharos.health.impl;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A fact about one host or one app finds that host's or app's watches, and the up count is kept. */
class WatchesTest {

  private static ServiceWatch watch(String id, String host, String app) throws Exception {
    return NoopWatches.of(id, "dev", app, host);
  }

  @Test
  void everyWatchHasAFirstResultOnceEachIsUpOrDownOrGone() throws Exception {
    Watches watches = new Watches();
    assertTrue(watches.allDecided());
    watches.put(watch("i1", "h1", "web"));
    watches.put(watch("i2", "h1", "web"));
    assertFalse(watches.allDecided());
    watches.result("i1", false);
    assertFalse(watches.allDecided());
    watches.remove("i2");
    assertTrue(watches.allDecided());
    watches.put(watch("i1", "h1", "web")); // changed: a new watch, no result yet
    assertFalse(watches.allDecided());
    watches.result("i1", true);
    assertTrue(watches.allDecided());
  }

  private static List<String> sorted(List<String> ids) {
    return ids.stream().sorted().toList();
  }

  @Test
  void watchesAreFoundByHostByAppAndByContainer() throws Exception {
    Watches watches = new Watches();
    watches.put(watch("i1", "h1", "web"));
    watches.put(watch("i2", "h1", "api"));
    watches.put(watch("i3", "h2", "web"));
    assertEquals(List.of("i1", "i2"), sorted(watches.in(new Catalog.Scope("h1", null))));
    assertEquals(List.of("i1", "i3"), sorted(watches.in(new Catalog.Scope(null, "dev/web"))));
    assertEquals(List.of("i3"), sorted(watches.in(new Catalog.Scope("h2", "dev/web"))));
    assertEquals(List.of("i1", "i2", "i3"), sorted(watches.in(Catalog.Scope.ALL)));
    // an instance's container id is its id here
    assertEquals(List.of("i2"), watches.in(new Catalog.Scope("h1", null, "i2")));
    assertEquals(List.of(), watches.in(new Catalog.Scope("h2", null, "i2")));

    watches.result("i1", true);
    watches.result("i3", true);
    assertEquals(2, watches.upCount());
    watches.put(watch("i1", "h2", "api")); // the instance changed: a new watch, no result yet
    assertEquals(1, watches.upCount());
    assertEquals(List.of("i1", "i3"), sorted(watches.in(new Catalog.Scope("h2", null))));
    assertEquals(List.of("i1"), watches.in(new Catalog.Scope("h2", null, "i1")));
    assertEquals(List.of(), watches.in(new Catalog.Scope("h1", null, "i1")), "moved: not on h1 any more");
    assertEquals(List.of("i3"), sorted(watches.in(new Catalog.Scope(null, "dev/web"))));
    watches.remove("i3");
    assertEquals(List.of(), watches.in(new Catalog.Scope("h2", null, "i3")));
    assertEquals(0, watches.upCount());
    assertEquals(List.of(), watches.in(new Catalog.Scope(null, "dev/web")));
  }
}
