package dev.pharos.launcher;

import dev.pharos.ambassador.AmbassadorVerticle;
import dev.pharos.api.ApiVerticle;
import dev.pharos.bus.Addresses;
import dev.pharos.definitions.DefinitionWatcherVerticle;
import dev.pharos.dns.DnsVerticle;
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
    Addresses.SERF_BRIDGE, SerfBridgeVerticle::new,
    Addresses.DNS, DnsVerticle::new);

  private Stages() {
  }
}
