package dev.pharos.health.impl;

import dev.pharos.bus.InstanceFilter;
import dev.pharos.bus.PagedReplies;
import dev.pharos.model.Instance;
import dev.pharos.ownership.Ownership;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A health checker's answers on its snapshot addresses: the up instances (a registrar's catch-up,
 * another checker's adoption), every watch with its checks (the api), and verdicts on named
 * instances (a registrar's reconcile).
 */
public final class SnapshotAnswers {

  /** What the answers need of their checker. */
  public interface Checker {
    String id();

    String node();

    boolean stopping();

    /** Both snapshots and the group loaded, and every watch has a first result. */
    boolean ready();

    /** This checker owns the instance by the group as it stands now. */
    boolean owns(String hostId, String instanceId);

    /** A missing instance of the host is known gone: definitions and the host's containers are loaded. */
    boolean knowsAllOf(String hostId);
  }

  private final Watches watches;
  private final Checker checker;

  public SnapshotAnswers(Watches watches, Checker checker) {
    this.watches = watches;
    this.checker = checker;
  }

  private static final java.util.List<String> LISTS = java.util.List.of("instances", "watches", "unheld");

  public void reply(Message<JsonObject> msg) {
    if (checker.stopping()) {
      // its watches are gone: an answer now would say "down" of instances that are merely moving
      msg.fail(503, "health checker " + checker.id() + " is stopping");
      return;
    }
    JsonObject request = msg.body() == null ? new JsonObject() : msg.body();
    Ownership registrars;
    Ownership before;
    String registrar;
    InstanceFilter filter;
    try {
      filter = InstanceFilter.of(request);
      registrars = request.containsKey("registrars") ? Ownership.fromJson(request.getJsonArray("registrars")) : null;
      before = request.containsKey("before") ? Ownership.fromJson(request.getJsonArray("before")) : null;
      registrar = request.getString("registrar");
      request.getJsonArray("ids", new JsonArray()).forEach(o -> ((JsonObject) o).getString("id"));
    } catch (RuntimeException e) {
      msg.fail(400, "a snapshot request is {\"registrars\":[members],\"registrar\":id,\"ids\":[{\"id\",\"hostId\"}]}"
        + " or {\"apps\":[...],\"envs\":[...]}: "
        + e.getMessage());
      return;
    }
    if (request.containsKey("counts")) {
      counts(msg, request, filter);
      return;
    }
    JsonArray up = new JsonArray();
    JsonArray all = new JsonArray();
    // a registrar's verdict request names its instances and needs no listing; its catch-up needs
    // the up instances it owns, not every watch's checks (which only the api shows)
    boolean listing = !request.containsKey("ids");
    boolean withWatches = listing && request.getBoolean("watches", true);
    if (listing) {
      watches.values().forEach(w -> {
        Instance i = w.instance();
        if (!filter.passes(i) || registrars != null && !registrars.owns(registrar, i.hostId(), i.id())) {
          return;
        }
        if (before != null && before.owns(registrar, i.hostId(), i.id())) {
          return; // its registrar owned it already and heard of it as its owner
        }
        if (withWatches) {
          all.add(w.toJson());
        }
        if (Boolean.TRUE.equals(w.up())) {
          up.add(i.toJson());
        }
      });
    }
    JsonObject reply = new JsonObject().put("member", checker.id()).put("node", checker.node()).put("ready", checker.ready())
      .put("instances", up).put("watches", all);
    if (request.containsKey("ids")) {
      JsonObject verdicts = new JsonObject();
      request.getJsonArray("ids").forEach(o -> {
        JsonObject id = (JsonObject) o;
        verdicts.put(id.getString("id"), verdict(id.getString("hostId"), id.getString("id")));
      });
      reply.put("verdicts", verdicts);
      if (registrars != null && registrar != null) {
        reply.put("unheld", unheld(registrars, registrar, verdicts));
      }
    }
    // in pages when asked ({"pageSize"}): every watch with its checks is the biggest answer on the bus
    PagedReplies.reply(msg, reply, LISTS);
  }

  /**
   * {@code {"counts":true,"except":[ids]}} (the list of services): how many watches of each app
   * and env are in each state ({@code up}, {@code down}, {@code checking}), leaving out the
   * instances named (drained ones, which the list counts apart): {@code {"counts":{app:{env:{state:n}}}}}.
   * One walk of this checker's watches; the answer grows with the services, not the watches.
   */
  private void counts(Message<JsonObject> msg, JsonObject request, InstanceFilter filter) {
    java.util.Set<Object> except;
    try {
      if (!Boolean.TRUE.equals(request.getValue("counts"))) {
        throw new IllegalArgumentException("'counts' must be true");
      }
      Object ids = request.getValue("except");
      if (ids != null && !(ids instanceof JsonArray)) {
        throw new IllegalArgumentException("except: a list of instance ids, not " + ids);
      }
      except = new java.util.HashSet<>();
      for (Object id : ids == null ? new JsonArray() : (JsonArray) ids) {
        if (!(id instanceof String)) {
          throw new IllegalArgumentException("except: a list of instance ids, not one of " + id);
        }
        except.add(id);
      }
    } catch (RuntimeException e) {
      msg.fail(400, "a counts request is {\"counts\":true,\"except\":[instance ids]}: " + e.getMessage());
      return;
    }
    JsonObject counts = new JsonObject();
    watches.values().forEach(w -> {
      Instance i = w.instance();
      if (!filter.passes(i) || except.contains(i.id())) {
        return;
      }
      JsonObject byState = dev.pharos.bus.ByAppAndEnv.entry(counts, i.app(), i.env());
      String state = state(w.up());
      byState.put(state, byState.getInteger(state, 0) + 1);
    });
    msg.reply(new JsonObject().put("member", checker.id()).put("node", checker.node()).put("ready", checker.ready())
      .put("counts", counts));
  }

  /** A watch's state as the list of services names it: {@code checking} before its first verdict. */
  static String state(Boolean up) {
    return up == null ? "checking" : up ? "up" : "down";
  }

  /**
   * The up instances {@code registrar} owns and did not name as held: an "up" fact it never
   * heard (published before its consumer reached this node, or lost with a connection), which
   * its reconcile makes good. Costs this checker's watches, once a reconcile.
   */
  private JsonArray unheld(Ownership registrars, String registrar, JsonObject held) {
    JsonArray unheld = new JsonArray();
    watches.values().forEach(w -> {
      Instance i = w.instance();
      if (Boolean.TRUE.equals(w.up()) && !held.containsKey(i.id()) && registrars.owns(registrar, i.hostId(), i.id())) {
        unheld.add(i.toJson());
      }
    });
    return unheld;
  }

  private String verdict(String hostId, String instanceId) {
    if (!checker.owns(hostId, instanceId)) {
      return "not-mine";
    }
    ServiceWatch watch = watches.get(instanceId);
    if (watch != null) {
      return watch.up() == null ? "unknown" : watch.up() ? "up" : "down";
    }
    return checker.knowsAllOf(hostId) ? "down" : "unknown";
  }
}
