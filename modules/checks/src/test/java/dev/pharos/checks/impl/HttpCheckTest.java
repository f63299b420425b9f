package dev.pharos.checks.impl;

import dev.pharos.testing.EventLoopGuard;
import dev.pharos.checks.CheckContext;
import dev.pharos.checks.CheckTarget;
import dev.pharos.checks.Probe;
import dev.pharos.model.Instance;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SelfSignedCertificate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Nerve's http check against a real HTTP server: only 2xx passes, expect, headers, ssl without verification. */
@ExtendWith(EventLoopGuard.class)
class HttpCheckTest {

  private CheckContext context;

  @BeforeEach
  void context(Vertx vertx) {
    context = new CheckContext(vertx, i -> null);
  }

  private static int serve(Vertx vertx, HttpServerOptions options) throws Exception {
    HttpServer server = vertx.createHttpServer(options).requestHandler(req -> {
      switch (req.path()) {
        case "/ok" -> req.response().end("all good");
        case "/moved" -> req.response().setStatusCode(302).putHeader("Location", "/ok").end();
        case "/echo" -> req.response().end("host=" + req.getHeader("X-Probe"));
        default -> req.response().setStatusCode(404).end();
      }
    });
    return server.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS).actualPort();
  }

  private Future<String> run(String check, int port) throws Exception {
    // a cold JVM's first request, TLS above all, takes longer than Nerve's default 0.1 s
    Probe probe = new HttpCheck().prepare(new JsonObject(check).put("timeout", 5).put("open_timeout", 5), "nerve.checks[0]");
    Instance instance = new Instance("i", "dev", "web", "h", "c", "127.0.0.1", port, new JsonObject(), new JsonObject());
    return probe.run(context, new CheckTarget("127.0.0.1", port, instance), 5000);
  }

  private boolean passes(String check, int port) throws Exception {
    try {
      run(check, port).await(10, TimeUnit.SECONDS);
      return true;
    } catch (Exception e) {
      System.out.println(check + ": " + e.getMessage());
      return false;
    }
  }

  @Test
  void onlyA2xxPassesAsInNerve(Vertx vertx) throws Exception {
    int port = serve(vertx, new HttpServerOptions());
    assertTrue(passes("{\"uri\": \"/ok\"}", port));
    assertFalse(passes("{\"uri\": \"/moved\"}", port), "a 302 is down in Nerve");
    assertFalse(passes("{\"uri\": \"/missing\"}", port));
  }

  @Test
  void expectAndHeaders(Vertx vertx) throws Exception {
    int port = serve(vertx, new HttpServerOptions());
    assertTrue(passes("{\"uri\": \"/ok\", \"expect\": \"good\"}", port));
    assertFalse(passes("{\"uri\": \"/ok\", \"expect\": \"bad\"}", port));
    assertEquals("http 200", run("{\"uri\": \"/echo\", \"headers\": {\"X-Probe\": \"a\"}, \"expect\": \"host=a\"}", port)
      .await(10, TimeUnit.SECONDS));
  }

  @Test
  void sslWithoutCheckingTheCertificate(Vertx vertx) throws Exception {
    SelfSignedCertificate certificate = SelfSignedCertificate.create();
    int port = serve(vertx, new HttpServerOptions().setSsl(true).setKeyCertOptions(certificate.keyCertOptions()));
    assertTrue(passes("{\"uri\": \"/ok\", \"ssl\": true}", port), "a self-signed certificate passes, as in Nerve");
    assertFalse(passes("{\"uri\": \"/ok\"}", port), "plain http to a TLS port does not");
  }
}
