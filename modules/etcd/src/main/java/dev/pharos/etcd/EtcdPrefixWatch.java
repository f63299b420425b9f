package dev.pharos.etcd;

import dev.pharos.stage.Backoff;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.OptionsUtil;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import io.vertx.core.Context;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Follows every key under a prefix the way the ambassador's discovery did: a one-time pull, then
 * a watch from the revision the pull returned, so nothing written between the two is missed.
 * When the watch fails (etcd compacted past it, or gave up) it pulls again after a backoff and
 * hands the listener a fresh snapshot. Everything is delivered on the given Vert.x context.
 */
public final class EtcdPrefixWatch implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EtcdPrefixWatch.class);

  /** Receives the prefix's content; all calls come on the watch's context, in revision order. */
  public interface Listener {
    /** Everything under the prefix at {@code revision}: replaces what was known. */
    void snapshot(Map<String, byte[]> values, long revision);

    void put(String key, byte[] value, long revision);

    void delete(String key, long revision);

    /** The pull or the watch failed; a new pull follows after {@code retryMs}. */
    void failed(Throwable err, long retryMs);
  }

  /** Keys per read of the pull. */
  static final int PAGE = 1000;

  private final Client client;
  private final Context context;
  private final String prefix;
  private final Listener listener;
  private Watch.Watcher watcher;
  private final Backoff retry = new Backoff(250, 10_000);
  private boolean closed;

  public EtcdPrefixWatch(Client client, Context context, String prefix, Listener listener) {
    this.client = client;
    this.context = context;
    this.prefix = prefix;
    this.listener = listener;
  }

  /** Starts the first pull; call on the context. */
  public void start() {
    pull();
  }

  private void pull() {
    if (closed) {
      return;
    }
    pullPage(EtcdClients.bytes(prefix), 0, new LinkedHashMap<>());
  }

  /**
   * One page of the pull: up to {@link #PAGE} keys from {@code from}, all pages at the first
   * page's revision, so the snapshot is one consistent view however many pages it takes, and no
   * reply comes near gRPC's message limit.
   */
  private void pullPage(ByteSequence from, long revision, Map<String, byte[]> values) {
    GetOption.Builder option = GetOption.builder().withLimit(PAGE)
      .withRange(OptionsUtil.prefixEndOf(EtcdClients.bytes(prefix)));
    if (revision > 0) {
      option.withRevision(revision);
    }
    EtcdClients.onContext(context, client.getKVClient().get(from, option.build())).onSuccess(response -> {
      if (closed) {
        return;
      }
      KeyValue last = null;
      for (KeyValue kv : response.getKvs()) {
        values.put(EtcdClients.string(kv.getKey()), kv.getValue().getBytes());
        last = kv;
      }
      long at = revision > 0 ? revision : response.getHeader().getRevision();
      if (response.isMore() && last != null) {
        byte[] key = last.getKey().getBytes();
        pullPage(ByteSequence.from(java.util.Arrays.copyOf(key, key.length + 1)), at, values); // the next key after it
        return;
      }
      retry.reset();
      listener.snapshot(values, at);
      watch(at + 1);
    }).onFailure(this::failed);
  }

  private void watch(long fromRevision) {
    WatchOption option = WatchOption.builder().isPrefix(true).withRevision(fromRevision).build();
    watcher = client.getWatchClient().watch(EtcdClients.bytes(prefix), option,
      response -> context.runOnContext(v -> deliver(response)),
      err -> context.runOnContext(v -> failed(err)),
      () -> context.runOnContext(v -> failed(new IllegalStateException("watch completed by the server"))));
  }

  private void deliver(WatchResponse response) {
    if (closed) {
      return;
    }
    for (WatchEvent event : response.getEvents()) {
      KeyValue kv = event.getKeyValue();
      String key = EtcdClients.string(kv.getKey());
      switch (event.getEventType()) {
        case PUT -> listener.put(key, kv.getValue().getBytes(), kv.getModRevision());
        case DELETE -> listener.delete(key, kv.getModRevision());
        default -> LOG.debug("ignoring {} event on {}", event.getEventType(), key);
      }
    }
  }

  private void failed(Throwable err) {
    if (closed) {
      return;
    }
    if (watcher != null) {
      watcher.close();
      watcher = null;
    }
    long delay = retry.next();
    listener.failed(err, delay);
    context.owner().setTimer(delay, t -> pull());
  }

  @Override
  public void close() {
    closed = true;
    if (watcher != null) {
      watcher.close();
    }
  }
}
