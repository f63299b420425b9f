package dev.pharos.ambassador.impl;

import dev.pharos.ambassador.ServiceDescriptor;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * A listener's series: {@code pharos.proxy.connections} (service, proto, outcome forwarded or
 * refused; a UDP session counts as a connection) and {@code pharos.proxy.bytes} (service, proto,
 * direction to the endpoint or back to the client) and {@code pharos.proxy.ejections} (service, proto).
 */
final class ProxyMeters {

  final Counter forwarded;
  final Counter refused;
  final Counter toEndpoint;
  final Counter toClient;
  final Counter ejections;

  ProxyMeters(MeterRegistry meters, ServiceDescriptor descriptor) {
    String service = descriptor.service();
    String proto = descriptor.proto();
    forwarded = connections(meters, service, proto, "forwarded");
    refused = connections(meters, service, proto, "refused");
    toEndpoint = bytes(meters, service, proto, "to_endpoint");
    toClient = bytes(meters, service, proto, "to_client");
    ejections = Counter.builder("pharos.proxy.ejections")
      .description("endpoints skipped for a cool-down after refusing or timing out several times in a row")
      .tags("service", service, "proto", proto).register(meters);
  }

  private static Counter connections(MeterRegistry meters, String service, String proto, String outcome) {
    return Counter.builder("pharos.proxy.connections").description("connections accepted by the ambassador's listeners")
      .tags("service", service, "proto", proto, "outcome", outcome).register(meters);
  }

  private static Counter bytes(MeterRegistry meters, String service, String proto, String direction) {
    return Counter.builder("pharos.proxy.bytes").description("bytes the ambassador's listeners forwarded").baseUnit("bytes")
      .tags("service", service, "proto", proto, "direction", direction).register(meters);
  }
}
