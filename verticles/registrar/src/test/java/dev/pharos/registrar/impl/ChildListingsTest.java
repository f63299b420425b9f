package dev.pharos.registrar.impl;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A burst of listings of one service shares two of them; no answer predates its request. */
class ChildListingsTest {

  /** A lister whose answers the test gives, in the order asked. */
  private static final class Lister {
    final List<String> asked = new ArrayList<>();
    final List<Promise<List<String>>> answers = new ArrayList<>();

    Future<List<String>> list(String parent) {
      asked.add(parent);
      Promise<List<String>> p = Promise.promise();
      answers.add(p);
      return p.future();
    }
  }

  @Test
  void requestsWhileOneIsOnItsWayShareTheNextOne() {
    Lister lister = new Lister();
    ChildListings listings = new ChildListings(lister::list);
    Future<List<String>> first = listings.of("/env/dev/sd/web/sd");
    List<Future<List<String>>> burst = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      burst.add(listings.of("/env/dev/sd/web/sd"));
    }
    assertEquals(1, lister.asked.size(), "the burst waits for the listing on its way");
    // the first listing was sent before the burst: its answer is not theirs
    lister.answers.get(0).complete(List.of("a_0000000001"));
    assertEquals(List.of("a_0000000001"), first.result());
    assertEquals(2, lister.asked.size(), "one more listing for the whole burst");
    burst.forEach(f -> assertFalse(f.isComplete()));
    lister.answers.get(1).complete(List.of("a_0000000001", "b_0000000002"));
    burst.forEach(f -> assertEquals(List.of("a_0000000001", "b_0000000002"), f.result()));
    assertEquals(0, listings.inFlight());
  }

  @Test
  void servicesAreListedApartAndFailuresReachEveryWaiter() {
    Lister lister = new Lister();
    ChildListings listings = new ChildListings(lister::list);
    Future<List<String>> web = listings.of("/env/dev/sd/web/sd");
    Future<List<String>> api = listings.of("/env/dev/sd/api/sd");
    Future<List<String>> webAgain = listings.of("/env/dev/sd/web/sd");
    assertEquals(List.of("/env/dev/sd/web/sd", "/env/dev/sd/api/sd"), lister.asked);
    lister.answers.get(0).fail("connection loss");
    assertTrue(web.failed());
    lister.answers.get(2).fail("no node");
    assertTrue(webAgain.failed());
    lister.answers.get(1).complete(List.of());
    assertTrue(api.succeeded());
    assertEquals(0, listings.inFlight());
  }
}
