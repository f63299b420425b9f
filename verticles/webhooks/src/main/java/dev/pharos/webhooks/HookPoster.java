package dev.pharos.webhooks;

import dev.pharos.nesoi.DeliveryQueue.Delivery;
import dev.pharos.nesoi.WebhookAddresses;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;

import java.net.URI;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One web-hook POST. The endpoint's host is resolved here and checked against
 * {@link WebhookAddresses} (a name may resolve to an address the registration check did not
 * see), and the request goes to that very address. The whole delivery, lookup included, has a
 * deadline: a receiver that accepts and never answers, or answers a byte at a time, fails it.
 */
final class HookPoster {

  private final Vertx vertx;
  private final HttpClient http;
  private final WebhookAddresses addresses;
  private final long timeoutMs;

  HookPoster(Vertx vertx, WebhookAddresses addresses, long timeoutMs) {
    this.vertx = vertx;
    this.addresses = addresses;
    this.timeoutMs = timeoutMs;
    this.http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) timeoutMs));
  }

  /** Succeeds with the receiver's status; fails with why it could not be asked or did not answer in time. */
  Future<Integer> post(Delivery delivery, JsonObject body) {
    Promise<Integer> result = Promise.promise();
    AtomicReference<HttpClientRequest> sent = new AtomicReference<>();
    long deadline = vertx.setTimer(timeoutMs, t -> {
      if (result.tryFail("no answer within " + timeoutMs + " ms (webhooks.timeoutMs)")) {
        HttpClientRequest request = sent.get();
        if (request != null) {
          request.reset(); // frees the connection the silent receiver holds
        }
      }
    });
    URI uri = URI.create(delivery.endpoint());
    String host = WebhookAddresses.host(delivery.endpoint());
    int port = uri.getPort() != -1 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
    vertx.executeBlocking(() -> addresses.resolve(host), false) // a DNS lookup blocks
      .compose(address -> {
        RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(delivery.endpoint())
          .setServer(SocketAddress.inetSocketAddress(port, address.getHostAddress()))
          .putHeader("Content-Type", "application/json").setIdleTimeout(timeoutMs);
        return http.request(request);
      })
      .compose(request -> {
        sent.set(request);
        if (result.future().isComplete()) {
          request.reset(); // the deadline passed while connecting
          return Future.failedFuture("no answer within " + timeoutMs + " ms");
        }
        return request.send(body.toBuffer());
      })
      .compose(response -> response.body().map(response.statusCode()))
      .onComplete(ar -> {
        vertx.cancelTimer(deadline);
        if (ar.succeeded()) {
          result.tryComplete(ar.result());
        } else {
          result.tryFail(ar.cause() instanceof WebhookAddresses.Refused refused ? "refused: " + refused.getMessage()
            : ar.cause() instanceof java.net.UnknownHostException ? host + " does not resolve" : String.valueOf(ar.cause().getMessage()));
        }
      });
    return result.future();
  }

  Future<Void> close() {
    return http.close();
  }
}
