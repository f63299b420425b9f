package dev.pharos.api.impl;

import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import dev.pharos.nesoi.NesoiDocuments.InvalidResource;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a Nesoi request's body as raw bytes, whatever its content type says: Nesoi's clients
 * send JSON with {@code curl -d}, which labels it {@code application/x-www-form-urlencoded}, and
 * Vert.x's BodyHandler would decode that as a form (refusing any field over 1 KiB with a plain
 * 400 and an ERROR stack trace). Bodies over the limit get 413 with a JSON reason.
 */
public final class JsonBody implements Handler<RoutingContext> {

  private static final Logger LOG = LoggerFactory.getLogger(JsonBody.class);
  private static final String KEY = "nesoi.body";

  private final long maxBytes;

  public JsonBody(long maxBytes) {
    this.maxBytes = maxBytes;
  }

  @Override
  public void handle(RoutingContext rc) {
    HttpServerRequest request = rc.request();
    if (request.isEnded()) {
      rc.put(KEY, Buffer.buffer()); // nothing came, or nothing is left to read
      rc.next();
      return;
    }
    long declared = contentLength(request);
    if (declared > maxBytes) {
      tooLarge(rc); // refused before a byte is read, without the 100-continue the client may wait for
      return;
    }
    if ("100-continue".equalsIgnoreCase(request.getHeader(HttpHeaders.EXPECT))) {
      rc.response().writeContinue();
    }
    Buffer body = Buffer.buffer();
    boolean[] over = {false};
    request.handler(chunk -> {
      if (over[0]) {
        return;
      }
      if (body.length() + chunk.length() > maxBytes) {
        over[0] = true; // chunked, with no length up front
        tooLarge(rc);
      } else {
        body.appendBuffer(chunk);
      }
    });
    request.exceptionHandler(err -> LOG.warn("{} {}: the body could not be read: {}", request.method(), request.path(), err.toString()));
    request.endHandler(v -> {
      if (!over[0]) {
        rc.put(KEY, body);
        rc.next();
      }
    });
    request.resume(); // the router pauses a request until a handler takes its body
  }

  private static long contentLength(HttpServerRequest request) {
    try {
      String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
      return length == null ? -1 : Long.parseLong(length.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private void tooLarge(RoutingContext rc) {
    LOG.warn("{} {}: the body is over nesoi.maxBodyBytes ({} bytes), refused", rc.request().method(), rc.request().path(), maxBytes);
    // the rest of the body is not read: the connection goes once the answer is out
    rc.response().putHeader(HttpHeaders.CONNECTION, "close");
    error(rc, 413, "the body is over " + maxBytes + " bytes (nesoi.maxBodyBytes)");
  }

  /**
   * The body read by this handler as a JSON object.
   *
   * @throws InvalidResource when it is not JSON, too deeply nested, or not an object
   */
  public static JsonObject object(RoutingContext rc) throws InvalidResource {
    Buffer body = rc.get(KEY);
    Object parsed;
    try {
      parsed = body == null || body.length() == 0 ? null : body.toJsonValue();
    } catch (RuntimeException e) {
      if (e.getCause() instanceof StreamConstraintsException limit) {
        // Jackson's own limits (nesting depth 1000 and the like): say which, not "Failed to decode"
        throw new InvalidResource("the body is nested too deeply or too large for JSON: " + limit.getOriginalMessage());
      }
      throw new InvalidResource("the body is not JSON: " + e.getMessage());
    }
    if (parsed instanceof JsonObject json) {
      return json;
    }
    throw new InvalidResource("the body is not a JSON object");
  }

  /** Nesoi's error answer: {@code {"error": reason}} with its status. */
  public static void error(RoutingContext rc, int status, String reason) {
    if (rc.response().ended()) {
      return;
    }
    rc.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
      .end(new JsonObject().put("error", reason).encodePrettily());
  }
}
