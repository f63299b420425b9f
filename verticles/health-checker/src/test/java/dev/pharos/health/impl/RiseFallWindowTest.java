package dev.pharos.health.impl;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RiseFallWindowTest {

  @Test
  void firstResultFillsTheWindow() {
    RiseFallWindow up = new RiseFallWindow(3, 2);
    assertNull(up.up());
    assertTrue(up.record(true), "one pass at first is up, even with rise 3");
    RiseFallWindow down = new RiseFallWindow(3, 2);
    assertFalse(down.record(false), "one failure at first is down");
  }

  @Test
  void theStreakCountsPassesOrFailuresInARow() {
    RiseFallWindow w = new RiseFallWindow(3, 2);
    assertEquals(0, w.streak());
    w.record(true);
    w.record(true);
    assertEquals(2, w.streak());
    w.record(false);
    assertEquals(-1, w.streak());
    w.record(false);
    w.record(false);
    assertEquals(-3, w.streak());
    w.record(true);
    assertEquals(1, w.streak());
  }

  @Test
  void fallsAfterFallFailuresInARow() {
    RiseFallWindow w = new RiseFallWindow(3, 2);
    w.record(true);
    assertTrue(w.record(false), "one failure of two is not enough");
    assertTrue(w.record(true));
    assertTrue(w.record(false));
    assertFalse(w.record(false), "two failures in a row");
  }

  @Test
  void risesAfterRisePassesInARow() {
    RiseFallWindow w = new RiseFallWindow(3, 2);
    w.record(false);
    assertFalse(w.record(true));
    assertFalse(w.record(true));
    assertFalse(w.record(false));
    assertFalse(w.record(true));
    assertFalse(w.record(true));
    assertTrue(w.record(true), "three passes in a row");
  }

  @Test
  void countsTransitionsOverALongRun() {
    RiseFallWindow w = new RiseFallWindow(2, 3);
    boolean[] results = {true, false, false, true, false, false, false, true, true, false};
    boolean[] expected = {true, true, true, true, true, true, false, false, true, true};
    for (int i = 0; i < results.length; i++) {
      assertEquals(expected[i], w.record(results[i]), "after result " + i);
    }
  }
}
