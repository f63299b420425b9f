package dev.pharos.ambassador.impl;

import dev.pharos.ambassador.ServiceDescriptor;
import dev.pharos.catalog.CatalogEndpoint;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.datagram.DatagramSocket;
import io.vertx.core.net.SocketAddress;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A UDP listener: each client address gets a session, bound to one endpoint and to a socket of
 * its own so the endpoint's replies find their way back. Sessions idle for {@code idleMs} end.
 * With no endpoint a datagram is dropped and counted as refused (UDP cannot refuse).
 */
public final class UdpProxy extends ProxyListener {

  private final Vertx vertx;
  private final long idleMs;
  private final String namespace;
  private final UdpClientSide server;
  private final Map<SocketAddress, Session> sessions = new HashMap<>();
  private long expiry = -1;

  private final class Session {
    final SocketAddress client;
    final CatalogEndpoint endpoint;
    final DatagramSocket socket;
    /** Bound to an ephemeral port, so replies come back to it. */
    final Future<DatagramSocket> bound;
    long lastUsed = System.currentTimeMillis();

    Session(SocketAddress client, CatalogEndpoint endpoint) {
      this.client = client;
      this.endpoint = endpoint;
      this.socket = vertx.createDatagramSocket();
      socket.handler(reply -> {
        lastUsed = System.currentTimeMillis();
        meters.toClient.increment(reply.data().length());
        server.send(reply.data(), client);
      });
      this.bound = socket.listen(0, "0.0.0.0");
    }
  }

  public UdpProxy(Vertx vertx, ServiceDescriptor descriptor, String host, Balancer.Strategy strategy, long idleMs,
                  MeterRegistry meters) {
    this(vertx, UdpClientSide.onHost(vertx), ProxyListener.HOST, descriptor, host, strategy, idleMs, meters);
  }

  /** @param namespace where {@code server} listens: {@code host}, or the ambassador container's name */
  public UdpProxy(Vertx vertx, UdpClientSide server, String namespace, ServiceDescriptor descriptor, String host,
                  Balancer.Strategy strategy, long idleMs, MeterRegistry meters) {
    super(descriptor, host, strategy, Balancer.Ejection.DEFAULT, meters); // UDP cannot tell a failure: nothing is ejected
    this.vertx = vertx;
    this.idleMs = idleMs;
    this.server = server;
    this.namespace = namespace;
  }

  @Override
  public Future<Void> listen() {
    return server.listen(descriptor.port(), host, this::received)
      .onSuccess(v -> expiry = vertx.setPeriodic(Math.max(1000, idleMs / 2), t -> expire()));
  }

  @Override
  public Future<Void> close() {
    if (expiry >= 0) {
      vertx.cancelTimer(expiry);
    }
    sessions.values().forEach(s -> s.socket.close());
    sessions.clear();
    return server.close();
  }

  @Override
  public void endpoints(List<CatalogEndpoint> endpoints) {
    super.endpoints(endpoints);
    // a session on an endpoint that left moves to another on its next datagram
    sessions.values().removeIf(s -> {
      boolean gone = endpoints.stream().noneMatch(e -> e.address().equals(s.endpoint.address()));
      if (gone) {
        end(s);
      }
      return gone;
    });
  }

  @Override
  public String namespace() {
    return namespace;
  }

  private void received(SocketAddress sender, Buffer data) {
    Session session = sessions.get(sender);
    if (session == null) {
      List<CatalogEndpoint> order = balancer.order();
      if (order.isEmpty()) {
        refused();
        return;
      }
      session = new Session(sender, order.get(0));
      balancer.opened(session.endpoint);
      sessions.put(sender, session);
      forwarded();
    }
    session.lastUsed = System.currentTimeMillis();
    meters.toEndpoint.increment(data.length());
    Session s = session;
    s.bound.onSuccess(socket -> socket.send(data, s.endpoint.port(), s.endpoint.host()));
  }

  private void expire() {
    long cutoff = System.currentTimeMillis() - idleMs;
    sessions.values().removeIf(s -> {
      boolean idle = s.lastUsed < cutoff;
      if (idle) {
        end(s);
      }
      return idle;
    });
  }

  private void end(Session s) {
    balancer.closed(s.endpoint);
    s.socket.close();
  }
}
