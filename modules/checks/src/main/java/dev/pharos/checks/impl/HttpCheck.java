package dev.pharos.checks.impl;

import dev.pharos.checks.CheckOptions;
import dev.pharos.checks.CheckType;
import dev.pharos.checks.Probe;
import dev.pharos.model.InvalidDefinitionException;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

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
    return (context, target, timeoutMs) -> {
      if (!ssl) {
        Future<String> direct = context.plainHttpGet(target.host(), target.port(), uri, headers, expect,
          Math.min(openTimeoutMs, timeoutMs), Math.min(readTimeoutMs, timeoutMs));
        if (direct != null) {
          return direct;
        }
      }
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
    };
  }
}
