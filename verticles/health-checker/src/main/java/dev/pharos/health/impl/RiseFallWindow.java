package dev.pharos.health.impl;

/**
 * Nerve's rise/fall rule for one check: up after {@code rise} passes in a row, down after
 * {@code fall} failures in a row, otherwise unchanged. The first result fills the whole window,
 * so a service that answers at once is up after one check and one that does not is down.
 */
public final class RiseFallWindow {

  private final int rise;
  private final int fall;
  private final boolean[] ring;
  private int next;
  private Boolean up;
  /** Passes in a row (positive) or failures in a row (negative): the counters the dashboard shows. */
  private int streak;

  public RiseFallWindow(int rise, int fall) {
    if (rise < 1 || fall < 1) {
      throw new IllegalArgumentException("rise and fall must be at least 1");
    }
    this.rise = rise;
    this.fall = fall;
    this.ring = new boolean[Math.max(rise, fall)];
  }

  /** Records one result and returns whether the check is up now. */
  public boolean record(boolean passed) {
    if (up == null) {
      java.util.Arrays.fill(ring, passed);
      up = passed;
    }
    streak = passed ? Math.max(streak, 0) + 1 : Math.min(streak, 0) - 1;
    ring[next] = passed;
    next = (next + 1) % ring.length;
    if (!any(fall)) {
      up = false;
    }
    if (all(rise)) {
      up = true;
    }
    return up;
  }

  /** Passes in a row (positive) or failures in a row (negative); 0 before the first result. */
  public int streak() {
    return streak;
  }

  /** Null until the first result. */
  public Boolean up() {
    return up;
  }

  private boolean any(int last) {
    for (int i = 1; i <= last; i++) {
      if (ring[Math.floorMod(next - i, ring.length)]) {
        return true;
      }
    }
    return false;
  }

  private boolean all(int last) {
    for (int i = 1; i <= last; i++) {
      if (!ring[Math.floorMod(next - i, ring.length)]) {
        return false;
      }
    }
    return true;
  }
}
