package dev.pharos.bus;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * A snapshot answered in pages rather than one bus message that grows with the answerer's share:
 * a request with {@code "pageSize": n} gets the answer's lists (registrations, watches...) at most
 * {@code n} entries a page, the first page with the answer's other fields, each with {@code "more"}; the asker
 * replies {@code {"next":true}} to a page to get the next one ({@code replyAndRequest}, so no
 * address has to reach the other node first). Each page is its own event-loop task on both sides,
 * so other work runs between pages, and no message is bigger than a page. A request without
 * {@code pageSize} gets the whole answer at once, as before. An asker that stops asking leaves
 * the answerer's pages after {@link #NEXT_TIMEOUT_MS}.
 */
public final class PagedReplies {

  public static final String PAGE_SIZE = "pageSize";
  /** A page's entries, a few hundred KB of instances. */
  public static final int DEFAULT_PAGE_SIZE = 500;
  public static final long NEXT_TIMEOUT_MS = 5000;

  private PagedReplies() {
  }

  /**
   * The page size {@code request} asks for; 0 when it asks for none.
   *
   * @throws IllegalArgumentException when {@code pageSize} is not a whole number from 1
   */
  public static int pageSize(JsonObject request) {
    Object value = request == null ? null : request.getValue(PAGE_SIZE);
    if (value == null) {
      return 0;
    }
    if (!(value instanceof Integer || value instanceof Long) || ((Number) value).longValue() < 1) {
      throw new IllegalArgumentException(PAGE_SIZE + ": a whole number from 1, not " + value);
    }
    return (int) Math.min(((Number) value).longValue(), Integer.MAX_VALUE);
  }

  /**
   * Replies {@code whole} to {@code msg}: at once, or in pages of the size its request asked for,
   * its lists {@code lists} split in that order. A malformed page size fails the request with 400.
   */
  public static void reply(Message<JsonObject> msg, JsonObject whole, List<String> lists) {
    int size;
    try {
      size = pageSize(msg.body());
    } catch (IllegalArgumentException e) {
      msg.fail(400, e.getMessage());
      return;
    }
    if (size == 0) {
      msg.reply(whole);
      return;
    }
    // the answer's other fields, without copying its lists (a page's delivery copies what it carries)
    JsonObject header = new JsonObject();
    whole.forEach(field -> {
      if (!lists.contains(field.getKey())) {
        header.put(field.getKey(), field.getValue());
      }
    });
    new Pager(whole, header, lists, size).send(msg);
  }

  /** Where the next page starts: which list, and where in it. */
  private static final class Pager {
    private final JsonObject whole;
    private final List<String> lists;
    private final int size;
    private int list;
    private int offset;
    /** The answer's other fields: the first page starts as them, the later ones empty. */
    private JsonObject header;

    Pager(JsonObject whole, JsonObject header, List<String> lists, int size) {
      this.whole = whole;
      this.header = header;
      this.lists = lists;
      this.size = size;
    }

    void send(Message<JsonObject> to) {
      // the answer's other fields on the first page only: the asker appends every list of the later ones
      JsonObject page = header != null ? header : new JsonObject();
      header = null;
      for (String name : lists) {
        if (whole.getValue(name) instanceof JsonArray) {
          page.put(name, new JsonArray()); // every page has each of the answer's lists: one shape
        }
      }
      int room = size;
      while (list < lists.size()) {
        JsonArray all = whole.getJsonArray(lists.get(list));
        if (all == null) {
          list++; // not in this answer: not in its pages either
          continue;
        }
        int end = Math.min(all.size(), offset + room);
        JsonArray part = page.getJsonArray(lists.get(list));
        for (int i = offset; i < end; i++) {
          part.add(all.getValue(i));
        }
        room -= end - offset;
        offset = end;
        if (offset < all.size()) {
          break; // the page is full
        }
        list++;
        offset = 0;
        if (room == 0) {
          break;
        }
      }
      boolean more = list < lists.size();
      page.put("more", more);
      if (!more) {
        to.reply(page);
        return;
      }
      // the asker's "next" comes back here; silence past the timeout drops the rest
      to.<JsonObject>replyAndRequest(page, new DeliveryOptions().setSendTimeout(NEXT_TIMEOUT_MS)).onSuccess(this::send);
    }
  }

  /**
   * Asks {@code address} for a snapshot in pages of {@code pageSize} and puts the pages' lists
   * together: the answer as one reply would have given it (an answerer that does not page gives
   * it at once). {@code options}' timeout bounds each page's wait.
   */
  public static Future<JsonObject> request(Vertx vertx, String address, JsonObject body, int pageSize, DeliveryOptions options) {
    return vertx.eventBus().<JsonObject>request(address, body.copy().put(PAGE_SIZE, pageSize), options)
      .compose(first -> collect(first, first.body(), options));
  }

  private static Future<JsonObject> collect(Message<JsonObject> page, JsonObject whole, DeliveryOptions options) {
    if (!Boolean.TRUE.equals(page.body().getValue("more"))) {
      whole.remove("more");
      return Future.succeededFuture(whole);
    }
    return page.<JsonObject>replyAndRequest(new JsonObject().put("next", true), options).compose(next -> {
      next.body().forEach(field -> {
        if (field.getValue() instanceof JsonArray part) {
          JsonArray all = whole.getJsonArray(field.getKey());
          if (all == null) {
            whole.put(field.getKey(), part);
          } else {
            all.addAll(part);
          }
        }
      });
      return collect(next, whole, options);
    });
  }
}
