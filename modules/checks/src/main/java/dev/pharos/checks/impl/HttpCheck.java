package dev.pharos.checks.impl;

import dev.pharos.checks.CheckContext;
import dev.pharos.checks.CheckOptions;
import dev.pharos.checks.CheckTarget;
import dev.pharos.checks.CheckType;
import dev.pharos.checks.Probe;
import dev.pharos.model.InvalidDefinitionException;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

import java.net.InetSocketAddress;
import java.util.Map;

/**
 * Nerve's {@code http}: a GET of {@code uri} on a new connection passes on a 2xx answer only
 * (Nerve's rule: a 3xx is down), and, when {@code expect} is set, only when the body contains it.
 * {@code ssl} speaks TLS without checking the certificate, as Nerve does; {@code open_timeout}
 * bounds the connect (Nerve's default 0.2 s), {@code read_timeout} each wait for the answer
 * (default: the check's timeout); {@code headers} are sent as given.
 */
public final class HttpCheck implements CheckType {

  @Override
  public String name() {
    return "http";
  }

  @Override
  public Probe prepare(JsonObject check, String field) throws InvalidDefinitionException {
    CheckOptions options = new CheckOptions(check, field);
    String uri = options.requiredString("uri", "an http check needs a uri starting with '/'");
    if (!uri.startsWith("/")) {
      throw new InvalidDefinitionException(options.field("uri"), "must start with '/', got " + uri);
    }
    boolean ssl = options.bool("ssl", false);
    long openTimeoutMs = options.millis("open_timeout", 0.2);
    long readTimeoutMs = options.millis("read_timeout", options.millis("timeout", 0.1) / 1000.0);
    Map<String, String> headers = options.strings("headers");
    String expect = options.string("expect", null);
    return new Probe() {
      /** A watch runs its probe against one target: its address and request are made once, not per run. */
      private Prepared last;

      @Override
      public Future<String> run(CheckContext context, CheckTarget target, long timeoutMs) {
        if (!ssl) {
          Prepared prepared = last;
          if (prepared == null || prepared.target() != target) {
            InetSocketAddress address = CheckContext.literal(target.host(), target.port());
            prepared = new Prepared(target, address,
              address == null ? null : CheckContext.httpRequest(target.host(), target.port(), uri, headers));
            last = prepared;
          }
          if (prepared.address() != null) {
            return context.plainHttpGet(prepared.address(), prepared.request(), expect,
              Math.min(openTimeoutMs, timeoutMs), Math.min(readTimeoutMs, timeoutMs));
          }
        }
        return viaClient(context, target, timeoutMs);
      }

      private Future<String> viaClient(CheckContext context, CheckTarget target, long timeoutMs) {
        RequestOptions request = new RequestOptions().setMethod(HttpMethod.GET).setHost(target.host())
          .setPort(target.port()).setURI(uri).setSsl(ssl)
          .setConnectTimeout(Math.min(openTimeoutMs, timeoutMs)).setIdleTimeout(Math.min(readTimeoutMs, timeoutMs));
        headers.forEach(request::putHeader);
        return context.http().request(request)
          .compose(req -> req.send())
          .compose(resp -> resp.body().compose(body -> {
            int code = resp.statusCode();
            if (code < 200 || code >= 300) {
              return Future.failedFuture("http " + code);
            }
            if (expect != null && !body.toString().contains(expect)) {
              return Future.failedFuture("http " + code + " without the expected text");
            }
            return Future.succeededFuture("http " + code);
          }));
      }
    };
  }

  private record Prepared(CheckTarget target, InetSocketAddress address, byte[] request) {
  }
}
