package dev.pharos.health.impl;

import dev.pharos.bus.Addresses;
import dev.pharos.bus.Snapshots;
import dev.pharos.ownership.Member;
import dev.pharos.stage.StageStatus;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.HashSet;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The instances whose checker, here or elsewhere, last reported them up: what a watch adopted
 * from another checker starts from, so a move neither drops nor re-announces a registration.
 */
public final class Verdicts {

  private final Set<String> reportedUp = new HashSet<>();

  public boolean reportedUp(String instanceId) {
    return reportedUp.contains(instanceId);
  }

  /** Every checker's up/down fact, in each checker's order: the last one of each instance is kept. */
  public void heard(JsonObject fact) {
    // a fact without an instance id is the registrar's to report; here it only carries no verdict
    String id = fact.getValue("instance") instanceof JsonObject instance && instance.getValue("id") instanceof String s ? s : null;
    if (id == null) {
      return;
    }
    if ("up".equals(fact.getString("type"))) {
      reportedUp.add(id);
    } else {
      reportedUp.remove(id);
    }
  }

  /**
   * The verdicts given before this checker listened (its consumer reaches other nodes a moment
   * after it registers): each other checker's up instances, once, until it answers or
   * {@code gone} says it left. A "down" racing an answer can leave an "up" here that is no longer
   * so; an adopted watch's first round corrects it.
   */
  public void ask(Vertx vertx, Iterable<Member> others, StageStatus status, Predicate<String> gone) {
    for (Member other : others) {
      if (other.id().equals(status.id())) {
        continue;
      }
      // in pages: another checker's up instances may be tens of thousands
      Snapshots.askInPagesUntilAnswered(vertx, Addresses.instancesSnapshot(other.id()), new JsonObject().put("watches", false),
        dev.pharos.bus.PagedReplies.DEFAULT_PAGE_SIZE, status, body -> body.getJsonArray("instances", new JsonArray()).forEach(i -> reportedUp.add(((JsonObject) i).getString("id"))),
        () -> gone.test(other.id()));
    }
  }
}
