package dev.pharos.zookeeper;

import org.apache.curator.framework.CuratorFramework;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One of something per Curator client, shared by every stage of the process that asks for it
 * (a cache several readers follow, say): the first {@link #acquire} opens it, the last
 * {@link #release} closes it.
 */
public final class PerClient<T> {

  private static final class Shared<T> {
    final T value;
    int users;

    Shared(T value) {
      this.value = value;
    }
  }

  private final Map<CuratorFramework, Shared<T>> shared = new HashMap<>();
  private final Function<CuratorFramework, T> open;
  private final Consumer<T> close;

  /** @param open makes and starts one for a client (may block); @param close stops it */
  public PerClient(Function<CuratorFramework, T> open, Consumer<T> close) {
    this.open = open;
    this.close = close;
  }

  /** The client's one, opened by the first caller. */
  public synchronized T acquire(CuratorFramework client) {
    Shared<T> one = shared.computeIfAbsent(client, c -> new Shared<>(open.apply(c)));
    one.users++;
    return one.value;
  }

  /** Gives {@code value} back; the last user's release closes it (outside the lock). */
  public void release(CuratorFramework client, T value) {
    synchronized (this) {
      Shared<T> one = shared.get(client);
      if (one == null || one.value != value || --one.users > 0) {
        return;
      }
      shared.remove(client);
    }
    close.accept(value);
  }
}
