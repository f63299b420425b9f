package dev.pharos.metrics;

import dev.pharos.PharosConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import io.vertx.micrometer.backends.BackendRegistries;

import java.util.EnumSet;

/**
 * Where a node's meters live: the Prometheus registry of the node's Vert.x Micrometer metrics,
 * named after the node, so Vert.x's own series (event bus per address, HTTP, pools) and Pharos's
 * (registrations, checks, Docker events, store operations, web-hooks, proxy, SSE) come out of one
 * {@code GET /metrics}. Each node in a JVM (tests run several) has its own registry.
 */
public final class PharosMetrics {

  /** Records nothing: for stages deployed on a Vertx without metrics (module tests). */
  private static final MeterRegistry NONE = new CompositeMeterRegistry();

  private PharosMetrics() {
  }

  public static String registryName(JsonObject conf) {
    return "pharos-" + PharosConfig.node(conf);
  }

  /** The Vert.x metrics options the launcher starts a node with, or null when conf {@code metrics.enabled} is false. */
  public static MicrometerMetricsOptions options(JsonObject conf) {
    if (!conf.getJsonObject("metrics", new JsonObject()).getBoolean("enabled", true)) {
      return null;
    }
    return new MicrometerMetricsOptions().setEnabled(true).setRegistryName(registryName(conf))
      .setJvmMetricsEnabled(true)
      .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true))
      // bus messages per address; HTTP by route, not by raw path, to keep the series bounded
      .setLabels(EnumSet.of(Label.EB_ADDRESS, Label.EB_SIDE, Label.EB_FAILURE, Label.HTTP_ROUTE, Label.HTTP_METHOD,
        Label.HTTP_CODE, Label.POOL_TYPE, Label.POOL_NAME));
  }

  /** The node's registry, or one that records nothing when the node runs without metrics. */
  public static MeterRegistry registry(JsonObject conf) {
    MeterRegistry registry = BackendRegistries.getNow(registryName(conf));
    return registry != null ? registry : NONE;
  }
}
