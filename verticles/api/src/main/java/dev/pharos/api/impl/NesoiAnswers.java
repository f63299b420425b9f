package dev.pharos.api.impl;

import dev.pharos.nesoi.NesoiDocuments;
import dev.pharos.nesoi.NesoiDocuments.InvalidResource;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;

/** How Nesoi's routes answer: JSON, a 400 naming the field, a 404 naming the path. */
final class NesoiAnswers {

  private static final Logger LOG = LoggerFactory.getLogger(NesoiAnswers.class);

  private NesoiAnswers() {
  }

  /** Answers 400 naming what is wrong, 404 when {@code answer} gives null. */
  interface Answer {
    Object apply(String name) throws InvalidResource;
  }

  static Object named(RoutingContext rc, Answer answer) {
    return name(rc, "name", "name", answer);
  }

  /** Checks path parameter {@code param} as a name, then answers with it. */
  static Object name(RoutingContext rc, String param, String what, Answer answer) {
    try {
      String name = rc.pathParam(param);
      NesoiDocuments.checkName(what, name);
      Object done = answer.apply(name);
      if (done == null && !rc.response().ended()) {
        notFound(rc);
      }
      return done;
    } catch (InvalidResource e) {
      return badRequest(rc, e);
    }
  }

  /** 400 with the reason, and a line naming the request and the field. */
  static Object badRequest(RoutingContext rc, InvalidResource e) {
    LOG.info("{} {} refused: {}", rc.request().method(), rc.request().path(), e.getMessage());
    JsonBody.error(rc, 400, e.getMessage());
    return Boolean.TRUE;
  }

  static Object notFound(RoutingContext rc) {
    return json(rc, 404, new JsonObject().put("error", rc.request().path() + " does not exist"));
  }

  static Object json(RoutingContext rc, int status, JsonObject body) {
    rc.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encodePrettily());
    return Boolean.TRUE;
  }

  static byte[] bytes(JsonObject json) {
    return json.encode().getBytes(StandardCharsets.UTF_8);
  }
}
