package dev.pharos.launcher;

import dev.pharos.ambassador.AmbassadorVerticle;
import dev.pharos.api.ApiVerticle;
import dev.pharos.bus.Addresses;
import dev.pharos.definitions.DefinitionWatcherVerticle;
import dev.pharos.docker.DockerWatcherVerticle;
import dev.pharos.health.HealthCheckerVerticle;
import dev.pharos.registrar.RegistrarVerticle;
import dev.pharos.serfbridge.SerfBridgeVerticle;
import dev.pharos.webhooks.WebhookNotifierVerticle;
import io.vertx.core.Deployable;

import java.util.Map;
import java.util.function.Supplier;

/** The stage names a conf's {@code verticles} section may name, and the verticle of each. */
final class Stages {

  static final Map<String, Supplier<Deployable>> ALL = Map.of(
    Addresses.DOCKER_WATCHER, DockerWatcherVerticle::new,
    Addresses.DEFINITION_WATCHER, DefinitionWatcherVerticle::new,
    Addresses.HEALTH_CHECKER, HealthCheckerVerticle::new,
    Addresses.REGISTRAR, RegistrarVerticle::new,
    Addresses.API, ApiVerticle::new,
    Addresses.AMBASSADOR, AmbassadorVerticle::new,
    Addresses.WEBHOOKS, WebhookNotifierVerticle::new,
    Addresses.SERF_BRIDGE, SerfBridgeVerticle::new);

  private Stages() {
  }

  /**
   * How many instances of {@code stage} the conf's {@code verticles.<stage>} asks for: 1 by
   * default, 0 for none.
   *
   * @throws IllegalArgumentException naming the key, for a count that is not a whole number of 0 or more
   */
  static int instances(String stage, Object value) {
    String key = "verticles." + stage;
    if (value == null) {
      return 1;
    }
    if (!(value instanceof io.vertx.core.json.JsonObject section)) {
      throw new IllegalArgumentException(key + ": expected an object such as {\"instances\": 1}, got " + value);
    }
    Object count = section.getValue("instances", 1);
    if (!(count instanceof Integer || count instanceof Long) || ((Number) count).longValue() < 0
      || ((Number) count).longValue() > 64) {
      throw new IllegalArgumentException(key + ".instances: expected a whole number from 0 to 64, got " + count);
    }
    return ((Number) count).intValue();
  }
}
