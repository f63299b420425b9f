package dev.pharos.checks;

import io.netty.util.concurrent.EventExecutor;
import io.vertx.core.internal.ContextInternal;

import java.util.concurrent.TimeUnit;

/**
 * The checker's timers on its event loop: a hashed wheel of {@link #TICK_MS} slots, ticked by one
 * Netty task while anything is scheduled, so every check due within a tick starts in the same
 * wake-up of the loop (and every timeout due then fires there). A Vert.x timer per round and
 * another per deadline cost a scheduled task, a wake-up and often a timerfd change each, 10,000
 * a second at 10,000 checks. Entries are an intrusive list per slot: scheduling and cancelling
 * are O(1), and a cancelled entry is unlinked at once (nothing lingers until its deadline).
 * Used on its context only ({@link #onContext()}); callers fall back to Vert.x's timers elsewhere.
 */
public final class CheckClock {

  /** The wheel's resolution: a timer fires up to this much late, never early. */
  public static final long TICK_MS = 5;
  private static final int SLOTS = 512; // 2.56 s a turn: a 1 s interval never waits a turn

  /** One scheduled task; {@link #cancel()} on the clock's loop. */
  public abstract static class Timer {
    private Timer prev;
    private Timer next;
    private Timer fireNext;
    private long tick; // the tick it is due at
    private CheckClock clock;
    private boolean due; // taken off the wheel to fire in this tick

    /** Runs on the clock's loop when due. */
    protected abstract void fire();

    /** True while scheduled and not yet fired nor cancelled. */
    public final boolean pending() {
      return clock != null || due;
    }

    /** Unschedules it; nothing when it fired or was cancelled already. */
    public final void cancel() {
      due = false;
      if (clock != null) {
        clock.unlink(this);
      }
    }
  }

  private final ContextInternal context;
  private final EventExecutor loop;
  private final Timer[] heads = new Timer[SLOTS];
  private final long origin = System.nanoTime();
  /** Each tick runs as the context's own task (its current context set, failures reported to it). */
  private final Runnable tickTask;
  /** The last tick processed: every slot up to it has fired. */
  private long done;
  private int size;
  private boolean armed;

  /** Timers fire on {@code context} (an event-loop context). */
  public CheckClock(ContextInternal context) {
    this.context = context.unwrap();
    this.loop = context.nettyEventLoop();
    Runnable tick = this::tick;
    this.tickTask = () -> context.dispatch(tick);
    this.done = now();
  }

  /** True on the clock's own context (or a duplicate of it): only there may timers be scheduled or cancelled. */
  public boolean onContext() {
    return on(context);
  }

  /** True when the caller runs on {@code context}'s thread, on it or on one of its duplicates. */
  static boolean on(ContextInternal context) {
    ContextInternal current = ContextInternal.current();
    return current != null && current.unwrap() == context && context.inThread();
  }

  private long now() {
    return (System.nanoTime() - origin) / (TICK_MS * 1_000_000L);
  }

  /** Schedules {@code timer} to fire in {@code delayMs} (at least one tick: never in the current one). */
  public void schedule(Timer timer, long delayMs) {
    timer.cancel();
    if (size == 0 && !armed) {
      done = now(); // idle since: nothing to catch up on
    }
    // the first tick that starts after the delay, so it never fires early
    long dueTick = (System.nanoTime() - origin + Math.max(0, delayMs) * 1_000_000L) / (TICK_MS * 1_000_000L) + 1;
    timer.tick = Math.max(done + 1, dueTick);
    timer.clock = this;
    int slot = (int) (timer.tick % SLOTS);
    Timer head = heads[slot];
    timer.prev = null;
    timer.next = head;
    if (head != null) {
      head.prev = timer;
    }
    heads[slot] = timer;
    size++;
    if (!armed) {
      armed = true;
      loop.schedule(tickTask, TICK_MS, TimeUnit.MILLISECONDS);
    }
  }

  /** A task as a timer, for callers that have no object of their own to schedule. */
  public Timer schedule(long delayMs, Runnable task) {
    Timer timer = new Timer() {
      @Override
      protected void fire() {
        task.run();
      }
    };
    schedule(timer, delayMs);
    return timer;
  }

  private void unlink(Timer timer) {
    int slot = (int) (timer.tick % SLOTS);
    if (timer.prev != null) {
      timer.prev.next = timer.next;
    } else {
      heads[slot] = timer.next;
    }
    if (timer.next != null) {
      timer.next.prev = timer.prev;
    }
    timer.prev = null;
    timer.next = null;
    timer.clock = null;
    size--;
  }

  /** Number of timers scheduled. */
  public int size() {
    return size;
  }

  private void tick() {
    long now = now();
    while (done < now) {
      done++;
      int slot = (int) (done % SLOTS);
      // take the due ones off first: firing one may schedule or cancel others
      Timer fire = null;
      for (Timer t = heads[slot]; t != null; ) {
        Timer next = t.next;
        if (t.tick <= done) {
          unlink(t);
          t.due = true;
          t.fireNext = fire;
          fire = t;
        }
        t = next;
      }
      while (fire != null) {
        Timer t = fire;
        fire = t.fireNext;
        t.fireNext = null;
        if (t.due) {
          t.due = false;
          try {
            t.fire();
          } catch (RuntimeException e) {
            context.reportException(e); // a timer's failure is its own: the others still fire
          }
        }
      }
    }
    if (size > 0) {
      loop.schedule(tickTask, TICK_MS, TimeUnit.MILLISECONDS);
    } else {
      armed = false;
    }
  }
}
