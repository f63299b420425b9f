package dev.pharos.harness.bench;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;

import java.util.concurrent.TimeUnit;

/**
 * The proxy benchmark's backend, run as a process of its own: an HTTP server answering every
 * request with a body of {@code size} bytes, one event loop per core.
 * {@code HttpBackend <port> <size>}; prints "listening" once it listens.
 */
public final class HttpBackend extends VerticleBase {

  private final int port;
  private final Buffer body;

  private HttpBackend(int port, Buffer body) {
    this.port = port;
    this.body = body;
  }

  @Override
  public Future<?> start() {
    return vertx.createHttpServer().requestHandler(req -> req.response()
      .putHeader("Content-Type", "application/octet-stream").end(body)).listen(port, "127.0.0.1");
  }

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    Buffer body = Buffer.buffer(new byte[Integer.parseInt(args[1])]);
    int cores = Runtime.getRuntime().availableProcessors();
    Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
    vertx.deployVerticle(() -> new HttpBackend(port, body), new DeploymentOptions().setInstances(cores)).await(20, TimeUnit.SECONDS);
    System.out.println("native transport: " + vertx.isNativeTransportEnabled());
    System.out.println("listening");
  }
}
