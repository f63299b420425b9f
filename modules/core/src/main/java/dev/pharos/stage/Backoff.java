package dev.pharos.stage;

/**
 * Capped exponential backoff: the first retry waits {@code minMs}, each next one twice the last,
 * never more than {@code maxMs}; a success resets it. One instance per thing retried. Not
 * thread-safe: use it on one context.
 */
public final class Backoff {

  private final long minMs;
  private final long maxMs;
  private long last;

  public Backoff(long minMs, long maxMs) {
    this.minMs = Math.max(1, minMs);
    this.maxMs = Math.max(this.minMs, maxMs);
  }

  /** The wait before the next try. */
  public long next() {
    last = last == 0 ? minMs : Math.min(last * 2, maxMs);
    return last;
  }

  public void reset() {
    last = 0;
  }
}
