package dev.pharos.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import io.vertx.core.internal.VertxInternal;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Builds the jetcd clients the stages use, from the {@code etcd} section of the conf. jetcd is
 * handed the application's Vertx, so it makes no hidden one and its gRPC channel runs on the same
 * Netty event loops.
 */
public final class EtcdClients {

  private EtcdClients() {
  }

  /** The endpoints named by the conf ({@code etcd.endpoints}, or {@code ETCD_ENDPOINTS}); empty when etcd is off. */
  public static List<String> endpoints(JsonObject etcdConf) {
    if (etcdConf == null || !(etcdConf.getValue("endpoints") instanceof JsonArray list)) {
      return List.of();
    }
    return list.stream().map(String::valueOf).filter(s -> !s.isBlank()).toList();
  }

  public static boolean configured(JsonObject etcdConf) {
    return !endpoints(etcdConf).isEmpty();
  }

  public static Client create(Vertx vertx, JsonObject etcdConf) {
    List<String> endpoints = endpoints(etcdConf);
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("etcd.endpoints is not set (ETCD_ENDPOINTS)");
    }
    return Client.builder()
      .endpoints(endpoints.toArray(String[]::new))
      .vertx(unclosable(vertx))
      .connectTimeout(Duration.ofMillis(etcdConf.getLong("connectTimeoutMs", 3000L)))
      // jetcd retries unavailable calls; bounded, so a caller learns of a long outage
      .retryMaxDuration(Duration.ofMillis(etcdConf.getLong("retryMaxMs", 5000L)))
      // a watch reply can carry many events at once (a deploy of a big service); reads are paged
      .maxInboundMessageSize(etcdConf.getInteger("maxMessageBytes", 32 * 1024 * 1024))
      .build();
  }

  /**
   * jetcd 0.8's {@code Client.close()} closes the Vertx it was handed, which would stop the whole
   * application when a stage undeploys. It gets a view of the application's Vertx whose
   * {@code close()} does nothing; closing the client still shuts its gRPC channel down.
   */
  static Vertx unclosable(Vertx vertx) {
    return (Vertx) Proxy.newProxyInstance(EtcdClients.class.getClassLoader(), new Class<?>[]{VertxInternal.class},
      (proxy, method, args) -> {
        if (method.getName().equals("close") && method.getParameterCount() == 0) {
          return Future.succeededFuture();
        }
        try {
          return method.invoke(vertx, args);
        } catch (InvocationTargetException e) {
          throw e.getCause();
        }
      });
  }

  public static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  public static String string(ByteSequence b) {
    return b.toString(StandardCharsets.UTF_8);
  }

  /** jetcd's future as a Vert.x future completed on {@code context}. */
  public static <T> Future<T> onContext(Context context, CompletableFuture<T> call) {
    return Future.fromCompletionStage(call, context);
  }
}
