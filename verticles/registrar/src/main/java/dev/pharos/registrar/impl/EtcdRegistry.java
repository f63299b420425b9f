package dev.pharos.registrar.impl;

import dev.pharos.etcd.EtcdClients;
import dev.pharos.metrics.StoreMeters;
import dev.pharos.model.Instance;
import dev.pharos.registrar.RegistryAdapter;
import dev.pharos.model.ServiceDocument;
import dev.pharos.stage.StageStatus;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.vertx.core.Context;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Keeps the ambassador's service documents of the registered instances in etcd, at
 * {@code /services/{env}/{name}/{port}/{host_port}/{id}}, all bound to one lease this reporter
 * keeps alive: a dead Pharos leaves nothing once the lease runs out. When the lease is lost (etcd
 * was away longer than its TTL) a new one is granted and every document written again.
 *
 * <p>Runs on the registrar's context; writes are chained so they reach etcd in the order made.
 */
public final class EtcdRegistry implements RegistryAdapter {

  private static final Logger LOG = LoggerFactory.getLogger(EtcdRegistry.class);
  private static final String SUBJECT = "etcd";

  /** Told of each document written or removed: (type, instance, key). */
  public interface Changes {
    void changed(String type, Instance instance, String key);
  }

  private final Context context;
  private final Client client;
  private final long ttlSeconds;
  private final StageStatus status;
  private final Changes changes;
  private final StoreMeters meters;
  /** What etcd should hold, by instance id. */
  private final Map<String, Instance> held = new ConcurrentHashMap<>();
  private Future<?> tail = Future.succeededFuture();
  private long leaseId;
  private long keepAliveTimer = -1;
  private boolean failing;
  private boolean grantQueued;

  public EtcdRegistry(Context context, Client client, long ttlSeconds, StageStatus status, Changes changes,
                             StoreMeters meters) {
    this.meters = meters;
    this.context = context;
    this.client = client;
    this.ttlSeconds = ttlSeconds;
    this.status = status;
    this.changes = changes;
  }

  /** Grants the lease (retrying until etcd answers) and keeps it alive at a third of its TTL. */
  public void start() {
    long every = Math.max(500, TimeUnit.SECONDS.toMillis(ttlSeconds) / 3);
    keepAliveTimer = context.owner().setPeriodic(every, every, t -> keepAlive());
    requestGrant();
  }

  @Override
  public String store() {
    return "etcd";
  }

  /** What etcd should hold: the instances whose documents this reporter keeps. */
  @Override
  public java.util.Collection<Instance> services() {
    return java.util.List.copyOf(held.values());
  }

  /** Documents are keyed by instance: a previous owner's is overwritten, or expires with its lease. */
  @Override
  public void deregister(Instance instance, boolean sweep) {
    Instance gone = held.remove(instance.id());
    status.clear("registration " + instance.id() + " in etcd");
    if (gone != null) {
      chain(() -> delete(gone));
    }
  }

  /** Its new owner writes the document under its own lease, so revoking this one leaves it. */
  @Override
  public void release(String instanceId) {
    held.remove(instanceId);
    status.clear("registration " + instanceId + " in etcd");
  }

  @Override
  public void register(Instance instance) {
    Instance before = held.put(instance.id(), instance);
    if (before != null && !before.documentPath().equals(instance.documentPath())) {
      chain(() -> delete(before));
    }
    if (before == null || !before.document().equals(instance.document())) {
      chain(() -> put(instance));
    }
  }

  /**
   * Writes again every document that etcd lacks, holds under another lease or holds changed, and
   * removes documents under this lease that nothing here holds (a delete that failed).
   */
  @Override
  public void refresh() {
    chain(() -> {
      if (leaseId == 0) {
        return grant();
      }
      var get = client.getKVClient().get(EtcdClients.bytes(ServiceDocument.ROOT + "/"), GetOption.builder().isPrefix(true).build());
      return EtcdClients.onContext(context, get).compose(response -> {
        Map<String, KeyValue> stored = new HashMap<>();
        response.getKvs().forEach(kv -> stored.put(EtcdClients.string(kv.getKey()), kv));
        Future<?> writes = Future.succeededFuture();
        java.util.Set<String> wanted = new java.util.HashSet<>();
        held.values().forEach(i -> wanted.add(i.documentPath()));
        for (KeyValue kv : stored.values()) {
          String key = EtcdClients.string(kv.getKey());
          if (kv.getLease() == leaseId && !wanted.contains(key)) {
            LOG.info("removing {} from etcd: no instance here holds it any more", key);
            writes = writes.compose(v -> EtcdClients.onContext(context, client.getKVClient().delete(EtcdClients.bytes(key))));
          }
        }
        for (Instance instance : held.values()) {
          KeyValue kv = stored.get(instance.documentPath());
          if (kv == null || kv.getLease() != leaseId || !Arrays.equals(kv.getValue().getBytes(), bytes(instance))) {
            LOG.info("etcd lacks the current document of {} at {}; writing it", instance.id(), instance.documentPath());
            writes = writes.compose(v -> put(instance));
          }
        }
        return writes;
      });
    });
  }

  /** Revokes the lease, which removes every document at once (a clean stop). */
  @Override
  public Future<Void> close(boolean othersLive) {
    if (keepAliveTimer >= 0) {
      context.owner().cancelTimer(keepAliveTimer);
    }
    Future<?> done = leaseId == 0 ? Future.succeededFuture()
      : EtcdClients.onContext(context, client.getLeaseClient().revoke(leaseId)).timeout(3, TimeUnit.SECONDS)
        .recover(err -> {
          LOG.warn("could not revoke etcd lease {} ({}); its documents go when it expires", Long.toHexString(leaseId), err.getMessage());
          return Future.succeededFuture();
        });
    return done.<Void>mapEmpty().eventually(() -> {
      client.close();
      return Future.succeededFuture();
    });
  }

  private void chain(java.util.function.Supplier<Future<?>> write) {
    tail = tail.transform(x -> write.get()).onFailure(this::failed).recover(err -> Future.succeededFuture());
  }

  /**
   * Queues one grant unless one is queued already; it does nothing if a lease is held by the time
   * it runs. Without this, every keep-alive tick of an outage queued a grant, and on recovery each
   * granted a lease of its own and wrote every document again.
   */
  private void requestGrant() {
    if (grantQueued) {
      return;
    }
    grantQueued = true;
    chain(() -> {
      grantQueued = false;
      return leaseId != 0 ? Future.succeededFuture() : grant();
    });
  }

  private Future<?> grant() {
    return EtcdClients.onContext(context, client.getLeaseClient().grant(ttlSeconds)).compose(lease -> {
      leaseId = lease.getID();
      LOG.info("etcd lease {} granted for {} s; writing {} documents", Long.toHexString(leaseId), ttlSeconds, held.size());
      status.detail("etcdLease", Long.toHexString(leaseId));
      Future<?> writes = Future.succeededFuture();
      for (Instance instance : held.values()) {
        writes = writes.compose(v -> put(instance));
      }
      return writes.onSuccess(v -> recovered());
    });
  }

  private void keepAlive() {
    if (leaseId == 0) {
      requestGrant();
      return;
    }
    long lease = leaseId;
    EtcdClients.onContext(context, client.getLeaseClient().keepAliveOnce(lease)).onComplete(ar -> {
      if (lease != leaseId) {
        return;
      }
      boolean lost = ar.succeeded() ? ar.result().getTTL() <= 0 : String.valueOf(ar.cause().getMessage()).contains("not found");
      if (lost) {
        LOG.warn("etcd lease {} has expired; granting a new one and writing every document again", Long.toHexString(lease));
        leaseId = 0;
        requestGrant();
      } else if (ar.failed()) {
        failed(ar.cause());
      } else if (failing) {
        // etcd is back within the lease: make sure it still has everything
        recovered();
        refresh();
      }
    });
  }

  private Future<?> put(Instance instance) {
    if (leaseId == 0 || !held.containsKey(instance.id())) {
      return Future.succeededFuture(); // the grant writes it; or it went down meanwhile
    }
    ByteSequence key = EtcdClients.bytes(instance.documentPath());
    var put = client.getKVClient().put(key, ByteSequence.from(bytes(instance)), PutOption.builder().withLeaseId(leaseId).build());
    return meters.timeAsync("put", () -> EtcdClients.onContext(context, put)).onSuccess(r -> {
      status.clear("registration " + instance.id() + " in etcd");
      changes.changed("registered", instance, instance.documentPath());
    }).onFailure(err -> status.problem("registration " + instance.id() + " in etcd",
      "write to " + instance.documentPath() + " failed, will retry: " + err.getMessage()));
  }

  private Future<?> delete(Instance instance) {
    var delete = client.getKVClient().delete(EtcdClients.bytes(instance.documentPath()));
    return meters.timeAsync("delete", () -> EtcdClients.onContext(context, delete)).onSuccess(r -> {
      status.clear("registration " + instance.id() + " in etcd");
      changes.changed("deregistered", instance, instance.documentPath());
    });
  }

  private static byte[] bytes(Instance instance) {
    return instance.document().toBuffer().getBytes();
  }

  private void failed(Throwable err) {
    failing = true;
    status.problem(SUBJECT, "etcd unreachable or refusing writes, retrying: " + err.getMessage());
    status.state(StageStatus.DEGRADED);
  }

  private void recovered() {
    if (failing) {
      failing = false;
      status.clear(SUBJECT);
      status.state(StageStatus.RUNNING);
    }
  }
}
