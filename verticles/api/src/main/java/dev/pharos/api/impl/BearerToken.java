package dev.pharos.api.impl;

import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** With {@code api.token} set, a write must carry {@code Authorization: Bearer <token>}; 401 otherwise. */
public final class BearerToken implements Handler<RoutingContext> {

  private final String token;

  /** @param token the token, or null to let every write through */
  public BearerToken(String token) {
    this.token = token;
  }

  @Override
  public void handle(RoutingContext rc) {
    if (token == null || ("Bearer " + token).equals(rc.request().getHeader("Authorization"))) {
      rc.next();
    } else {
      rc.response().setStatusCode(401).putHeader("WWW-Authenticate", "Bearer").putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("error", "writes need Authorization: Bearer <token>").encode());
    }
  }
}
