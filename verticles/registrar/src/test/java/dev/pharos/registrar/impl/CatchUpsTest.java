package dev.pharos.registrar.impl;

import dev.pharos.ownership.Member;
import dev.pharos.ownership.Ownership;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CatchUpsTest {

  private static Ownership group(String... ids) {
    return new Ownership(List.of(ids).stream().map(id -> new Member(id, "node-" + id, null, 1L)).toList());
  }

  private final Ownership g0 = group("a", "b");
  private final Ownership g1 = group("b");
  private final Ownership g2 = group("b", "c");
  private final Ownership g3 = group("b", "d");

  @Test
  void aCompleteCatchUpIsWhatTheNextLeavesOut() {
    CatchUps catchUps = new CatchUps();
    CatchUps.CatchUp first = catchUps.begin(g0);
    assertTrue(first.before().isEmpty());
    catchUps.ended(first, true);
    assertEquals(g0, catchUps.begin(g1).before());
  }

  @Test
  void aCatchUpACheckerDidNotAnswerMakesTheNextAskForAll() {
    CatchUps catchUps = new CatchUps();
    catchUps.ended(catchUps.begin(g0), false);
    assertTrue(catchUps.begin(g1).before().isEmpty());
  }

  /**
   * The group went a, b then b alone then b, c: b released what c took while the first catch-up
   * was still asking. Had that first catch-up's late end counted, a third change would leave out
   * the instances c had, which b no longer holds (a restart left one unregistered for good).
   */
  @Test
  void anOverlappedCatchUpEndingLateSaysNothingIsHeld() {
    CatchUps catchUps = new CatchUps();
    catchUps.ended(catchUps.begin(g0), true);
    CatchUps.CatchUp leave = catchUps.begin(g1);
    CatchUps.CatchUp join = catchUps.begin(g2);
    assertTrue(join.before().isEmpty(), "the first had not ended: the second asks for all");
    catchUps.ended(join, true);
    catchUps.ended(leave, true);
    assertEquals(g2, catchUps.begin(g3).before());
  }

  @Test
  void aCatchUpBegunBeforeAnEarlierOneEndsAsksForAll() {
    CatchUps catchUps = new CatchUps();
    catchUps.ended(catchUps.begin(g0), true);
    CatchUps.CatchUp leave = catchUps.begin(g1);
    CatchUps.CatchUp join = catchUps.begin(g2);
    catchUps.ended(leave, true);
    catchUps.ended(join, false);
    assertTrue(catchUps.begin(g3).before().isEmpty());
  }
}
