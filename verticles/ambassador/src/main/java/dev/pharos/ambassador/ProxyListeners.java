package dev.pharos.ambassador;

import dev.pharos.ambassador.Requests.Namespace;
import dev.pharos.ambassador.impl.Balancer;
import dev.pharos.ambassador.impl.NettyTcpProxy;
import dev.pharos.ambassador.impl.NetworkNamespaces;
import dev.pharos.ambassador.impl.ProxyListener;
import dev.pharos.ambassador.impl.TcpProxy;
import dev.pharos.ambassador.impl.UdpClientSide;
import dev.pharos.ambassador.impl.UdpProxy;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ServerChannel;
import io.vertx.core.Future;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.spi.transport.Transport;

/**
 * Makes the listener of a descriptor in a namespace. On the host: Vert.x's NetServer
 * ({@link TcpProxy}) or datagram socket ({@link UdpProxy}) on {@code ambassador.listenHost}. In
 * an ambassador container's namespace: a listening socket created there by
 * {@link NetworkNamespaces}, bound on the container's 127.0.0.1 (its consumers' localhost) and
 * served on this verticle's event loop by {@link NettyTcpProxy}, or by {@link UdpProxy} over a
 * datagram channel created there likewise.
 */
final class ProxyListeners {

  /** In a namespace, listeners bind the loopback the consumers share with their ambassador container. */
  static final String NAMESPACE_LISTEN_HOST = "127.0.0.1";
  /** How long entering a namespace and creating a socket there may take before it counts as failed. */
  private static final long NAMESPACE_TIMEOUT_MS = 5000;

  private final ContextInternal context;
  private final String listenHost;
  private final Balancer.Strategy strategy;
  private final Balancer.Ejection ejection;
  private final long udpIdleMs;
  private final int connectTimeoutMs;
  private final MeterRegistry meters;
  private final NetClient netClient;
  private final Transport transport;
  private final ChannelFactory<? extends ServerChannel> serverChannels;

  ProxyListeners(ContextInternal context, String listenHost, Balancer.Strategy strategy, Balancer.Ejection ejection,
                 long udpIdleMs, int connectTimeoutMs, MeterRegistry meters) {
    this.context = context;
    this.listenHost = listenHost;
    this.strategy = strategy;
    this.ejection = ejection;
    this.udpIdleMs = udpIdleMs;
    this.connectTimeoutMs = connectTimeoutMs;
    this.meters = meters;
    this.netClient = context.owner().createNetClient(new NetClientOptions().setTcpNoDelay(true).setConnectTimeout(connectTimeoutMs));
    this.transport = ((VertxInternal) context.owner()).transport();
    this.serverChannels = transport.serverChannelFactory(false);
  }

  /** The listener of {@code descriptor} in {@code namespace}, not yet listening. */
  ProxyListener create(Namespace namespace, ServiceDescriptor descriptor) {
    boolean udp = descriptor.proto().equals("udp");
    if (namespace.isHost()) {
      return udp ? new UdpProxy(context.owner(), descriptor, listenHost, strategy, udpIdleMs, meters)
        : new TcpProxy(context.owner(), netClient, descriptor, listenHost, strategy, ejection, meters);
    }
    if (udp) {
      UdpClientSide inNamespace = UdpClientSide.inNamespace(context, () -> NetworkNamespaces.create(context, namespace.pid(),
        transport::datagramChannel, channel -> channel.unsafe().closeForcibly(), NAMESPACE_TIMEOUT_MS));
      return new UdpProxy(context.owner(), inNamespace, namespace.name(), descriptor, NAMESPACE_LISTEN_HOST, strategy, udpIdleMs, meters);
    }
    return new NettyTcpProxy(context, () -> serverChannelIn(namespace), namespace.name(), descriptor, NAMESPACE_LISTEN_HOST,
      strategy, ejection, connectTimeoutMs, meters);
  }

  /** A listening channel whose socket is in {@code namespace}, neither registered nor bound yet. */
  private Future<ServerChannel> serverChannelIn(Namespace namespace) {
    return NetworkNamespaces.create(context, namespace.pid(), serverChannels::newChannel,
      channel -> channel.unsafe().closeForcibly(), NAMESPACE_TIMEOUT_MS);
  }

  Future<Void> close() {
    return netClient.close();
  }
}
