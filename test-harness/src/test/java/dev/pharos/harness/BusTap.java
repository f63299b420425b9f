package dev.pharos.harness;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryContext;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every JSON message a node's stages send on its bus, heard by an outbound interceptor, so
 * nothing is taken from the stages' own consumers: facts, requests, and replies filed under the
 * address of the request they answer.
 */
final class BusTap implements AutoCloseable {

  /** A message as sent: {@code reply} when it answers a request to {@code address}. */
  record Sent(String address, boolean reply, JsonObject body) {
  }

  private final Vertx vertx;
  private final List<Sent> sent = new ArrayList<>();
  private final Map<String, String> requestOf = new ConcurrentHashMap<>();
  private final Handler<DeliveryContext<Object>> interceptor = this::intercept;

  BusTap(Vertx vertx) {
    this.vertx = vertx;
    vertx.eventBus().addOutboundInterceptor(interceptor);
  }

  private void intercept(DeliveryContext<Object> delivery) {
    Message<Object> message = delivery.message();
    String answered = requestOf.remove(message.address());
    if (message.replyAddress() != null) {
      requestOf.put(message.replyAddress(), answered != null ? answered : message.address());
    }
    boolean internal = answered == null && message.address().startsWith("__vertx.");
    if (delivery.body() instanceof JsonObject body && !internal) {
      record(new Sent(answered != null ? answered : message.address(), answered != null, body.copy()));
    }
    delivery.next();
  }

  private synchronized void record(Sent message) {
    sent.add(message);
  }

  synchronized List<Sent> sent() {
    return List.copyOf(sent);
  }

  @Override
  public void close() {
    vertx.eventBus().removeOutboundInterceptor(interceptor);
  }
}
