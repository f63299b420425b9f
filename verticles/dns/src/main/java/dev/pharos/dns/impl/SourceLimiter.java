package dev.pharos.dns.impl;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * Queries a second per source address, when the conf sets a limit: a source over it is answered
 * REFUSED until the next second. Counts live for one second; at most {@link #MAX_SOURCES}
 * sources are counted apart in a second, the rest share one count, so a flood of spoofed
 * sources cannot grow the map. Used on one event loop.
 */
final class SourceLimiter {

  static final int MAX_SOURCES = 10_000;

  private final int perSecond;
  private final Map<InetAddress, int[]> counts = new HashMap<>();
  private final int[] others = new int[1];
  private long second;

  /** @param perSecond 0: no limit */
  SourceLimiter(int perSecond) {
    this.perSecond = perSecond;
  }

  /** Counts a query from {@code source}. @return false when that source is over its limit */
  boolean allow(InetAddress source, long nowMs) {
    if (perSecond <= 0) {
      return true;
    }
    long now = nowMs / 1000;
    if (now != second) {
      second = now;
      counts.clear();
      others[0] = 0;
    }
    int[] count = counts.get(source);
    if (count == null) {
      count = counts.size() < MAX_SOURCES ? new int[1] : others;
      if (count != others) {
        counts.put(source, count);
      }
    }
    return ++count[0] <= perSecond;
  }
}
