package dev.pharos.ambassador.impl;

import dev.pharos.ambassador.ServiceDescriptor;
import dev.pharos.catalog.CatalogEndpoint;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * A TCP listener that pipes each connection to one endpoint, on the event loop with
 * back-pressure (a pipe pauses the faster side). With no endpoint a connection is closed at once;
 * an endpoint that refuses or times out is skipped for the next one, and counts towards its
 * ejection.
 */
public final class TcpProxy extends ProxyListener {

  private static final Logger LOG = LoggerFactory.getLogger(TcpProxy.class);

  private final NetServer server;
  private final NetClient client;

  public TcpProxy(Vertx vertx, NetClient client, ServiceDescriptor descriptor, String host, Balancer.Strategy strategy,
                  Balancer.Ejection ejection, MeterRegistry meters) {
    super(descriptor, host, strategy, ejection, meters);
    this.client = client;
    this.server = vertx.createNetServer(new NetServerOptions().setTcpNoDelay(true).setReuseAddress(true));
    server.connectHandler(this::accepted);
  }

  @Override
  public Future<Void> listen() {
    return server.listen(descriptor.port(), host).mapEmpty();
  }

  @Override
  public Future<Void> close() {
    return server.close();
  }

  /**
   * The client's first bytes (an HTTP request, say) can arrive before the endpoint's connection
   * is made: they are kept and written first. The raw message handler goes in before the pause,
   * since a pause under Vert.x's default handler queues what was read where a message handler
   * set later never looks, and those bytes were lost.
   */
  private void accepted(NetSocket inbound) {
    List<Object> early = new ArrayList<>(1);
    ((NetSocketInternal) inbound).messageHandler(early::add);
    inbound.pause();
    connect(inbound, early, balancer.order(), 0);
  }

  private void connect(NetSocket inbound, List<Object> early, List<CatalogEndpoint> candidates, int i) {
    if (i >= candidates.size()) {
      refused();
      early.forEach(ReferenceCountUtil::release);
      inbound.close();
      return;
    }
    CatalogEndpoint endpoint = candidates.get(i);
    client.connect(endpoint.port(), endpoint.host()).onComplete(ar -> {
      if (ar.failed()) {
        LOG.debug("{}: endpoint {} refused: {}", descriptor.spec(), endpoint.address(), ar.cause().getMessage());
        balancer.failed(endpoint);
        connect(inbound, early, candidates, i + 1);
        return;
      }
      NetSocket outbound = ar.result();
      forwarded();
      balancer.succeeded(endpoint);
      balancer.opened(endpoint);
      outbound.closeHandler(v -> {
        balancer.closed(endpoint);
        inbound.close();
      });
      inbound.closeHandler(v -> outbound.close());
      for (Object message : early) {
        if (message instanceof ByteBuf buf) {
          meters.toEndpoint.increment(buf.readableBytes());
        }
        ((NetSocketInternal) outbound).writeMessage(message);
      }
      pipe((NetSocketInternal) inbound, (NetSocketInternal) outbound, meters.toEndpoint);
      pipe((NetSocketInternal) outbound, (NetSocketInternal) inbound, meters.toClient);
      inbound.resume();
    });
  }

  /**
   * Vert.x's {@code pipeTo}, without its copy: the bytes Netty read are written as they are
   * (a {@code NetSocket}'s data handler gets a heap copy of each read, and at hundreds of MB/s
   * that garbage shows as GC pauses in the latency tail). Back-pressure as a pipe's: when
   * {@code to}'s write queue is full, {@code from} is paused until it drains.
   */
  private static void pipe(NetSocketInternal from, NetSocketInternal to, Counter bytes) {
    from.messageHandler(message -> {
      if (message instanceof ByteBuf buf) {
        bytes.increment(buf.readableBytes());
      }
      to.writeMessage(message); // the write releases the buffer, also when it fails
      if (to.writeQueueFull()) {
        from.pause();
        to.drainHandler(v -> from.resume());
      }
    });
  }
}
