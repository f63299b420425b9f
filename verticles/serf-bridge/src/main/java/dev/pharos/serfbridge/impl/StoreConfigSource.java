package dev.pharos.serfbridge.impl;

import dev.pharos.etcd.EtcdPrefixWatch;
import dev.pharos.serf.ConfigUpdate;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * What serf-handler's {@code etcd.py} did, for etcd and ZooKeeper alike: every value written under
 * a prefix, at {@code <prefix><p>/<k>} holding the JSON object {@code c}, becomes a
 * {@code config_updated} update with the store's version of the write (etcd's revision,
 * ZooKeeper's mzxid). A value that cannot be one (not a JSON object, a key of another shape, a
 * payload over serf's limit) is refused with the key named.
 */
public final class StoreConfigSource implements EtcdPrefixWatch.Listener {

  private final String prefix;
  private final Consumer<ConfigUpdate> send;
  private final BiConsumer<String, String> refused;

  /**
   * @param send    gets each update to propagate
   * @param refused gets (key, reason) for each value that cannot be propagated
   */
  public StoreConfigSource(String prefix, Consumer<ConfigUpdate> send, BiConsumer<String, String> refused) {
    this.prefix = prefix;
    this.send = send;
    this.refused = refused;
  }

  /** The update a key's value makes, or null after reporting why there is none. */
  ConfigUpdate update(String key, byte[] value, long revision) {
    if (!key.startsWith(prefix)) {
      return null;
    }
    String[] parts = key.substring(prefix.length()).split("/", -1);
    if (parts.length != 2) {
      refused.accept(key, "not <prefix><product>/<key>");
      return null;
    }
    Object c;
    try {
      c = Buffer.buffer(value).toJsonValue();
    } catch (RuntimeException e) {
      refused.accept(key, "value is not JSON");
      return null;
    }
    if (!(c instanceof JsonObject config)) {
      refused.accept(key, "value is not a JSON object");
      return null;
    }
    try {
      ConfigUpdate update = ConfigUpdate.parse(new JsonObject().put("p", parts[0]).put("k", parts[1]).put("v", revision)
        .put("c", config).toBuffer().getBytes());
      update.payload(); // refused here when over serf's limit
      return update;
    } catch (IllegalArgumentException e) {
      refused.accept(key, e.getMessage());
      return null;
    }
  }

  /** A value written at {@code key} with the store's {@code version}: propagated when it is an update. */
  public void propagate(String key, byte[] value, long revision) {
    ConfigUpdate update = update(key, value, revision);
    if (update != null) {
      send.accept(update);
    }
  }

  @Override
  public void snapshot(Map<String, byte[]> values, long revision) {
    // receivers ignore what they hold already at this version or newer
    values.forEach((key, value) -> propagate(key, value, revision));
  }

  @Override
  public void put(String key, byte[] value, long revision) {
    propagate(key, value, revision);
  }

  @Override
  public void delete(String key, long revision) {
    // serf-handler's protocol has no deletion: the stored file stays
  }

  @Override
  public void failed(Throwable err, long retryMs) {
    refused.accept(prefix, "watch failed, pulling again in " + retryMs + " ms: " + err.getMessage());
  }
}
