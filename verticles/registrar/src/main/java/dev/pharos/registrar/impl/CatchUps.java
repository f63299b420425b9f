package dev.pharos.registrar.impl;

import dev.pharos.ownership.Ownership;

/**
 * Which registrars' group a registrar is known to hold every owned up instance of, so that a
 * catch-up asks only for what moved since. Each group change releases what moved away, so that
 * knowledge holds only until the next catch-up begins: a catch-up that overlaps another, or that
 * a checker did not answer, leaves none, and the next one asks for everything it owns.
 * Used on one context.
 */
final class CatchUps {

  /** The group of the last catch-up that completed in full with no later one begun; empty for none. */
  private Ownership caughtUp = Ownership.empty();
  private long begun;

  /** One catch-up: the group it asks for and the one whose instances it may leave out. */
  record CatchUp(long generation, Ownership group, Ownership before) {
  }

  /** Begins a catch-up of {@code group}: what was caught up before is no longer known held once it moves. */
  CatchUp begin(Ownership group) {
    CatchUp catchUp = new CatchUp(++begun, group, caughtUp);
    caughtUp = Ownership.empty();
    return catchUp;
  }

  /** Whether the last catch-up completed in full for {@code group}, with none begun since. */
  boolean holds(Ownership group) {
    return !caughtUp.isEmpty() && caughtUp.equals(group);
  }

  /** Its end: only the latest catch-up, answered by every checker, says what is held. */
  void ended(CatchUp catchUp, boolean everyCheckerAnswered) {
    if (everyCheckerAnswered && catchUp.generation() == begun) {
      caughtUp = catchUp.group();
    }
  }
}
