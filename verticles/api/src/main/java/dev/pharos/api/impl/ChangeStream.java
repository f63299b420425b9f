package dev.pharos.api.impl;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code GET /v1/changes}: Server-Sent Events of registration and Nesoi resource changes, all of
 * them or those whose {@code uri} or {@code path} starts with {@code ?prefix=}. Each event has an
 * {@code id:}; a client that reconnects with {@code Last-Event-ID} gets what it missed from a
 * bounded in-memory backlog (and a {@code reset} event when it fell behind the backlog).
 * A client that opens the stream afresh may ask for the last {@code ?backlog=N} of it (a page
 * that shows recent changes before any new one). A comment line every heartbeat keeps proxies
 * from closing idle streams.
 */
public final class ChangeStream {

  private record Event(long id, String type, String data, String uri, String path) {
    boolean matches(String prefix) {
      return prefix == null || (uri != null && uri.startsWith(prefix)) || (path != null && path.startsWith(prefix));
    }

    String frame() {
      return "id: " + id + "\nevent: " + type + "\ndata: " + data + "\n\n";
    }
  }

  private final Deque<Event> backlog = new ArrayDeque<>();
  /** Each client's {@code ?prefix=} (null: everything). */
  private final Map<HttpServerResponse, String> clients = new HashMap<>();
  private final int capacity;
  // ids start at the clock so they keep growing across restarts of the api
  private long nextId = System.currentTimeMillis() * 1000;

  public ChangeStream(Vertx vertx, int capacity, long heartbeatMs) {
    this.capacity = capacity;
    vertx.setPeriodic(heartbeatMs, t -> clients.keySet().forEach(c -> c.write(": heartbeat\n\n")));
  }

  public int clients() {
    return clients.size();
  }

  /** Records a change and sends it to every client. Called on the api's context. */
  public void publish(JsonObject change) {
    Event event = new Event(nextId++, change.getString("type", "change"), change.encode(), change.getString("uri"),
      change.getString("path"));
    backlog.addLast(event);
    if (backlog.size() > capacity) {
      backlog.removeFirst();
    }
    Buffer frame = Buffer.buffer(event.frame()); // encoded once for every client
    for (Map.Entry<HttpServerResponse, String> entry : clients.entrySet()) {
      if (!event.matches(entry.getValue())) {
        continue;
      }
      HttpServerResponse client = entry.getKey();
      // a client that cannot keep up is dropped; it resumes with Last-Event-ID
      if (client.writeQueueFull()) {
        client.reset();
      } else {
        client.write(frame);
      }
    }
  }

  /** The last {@code count} events that match {@code prefix}, oldest first; none for a bad or absent count. */
  private java.util.List<Event> recent(String prefix, String count) {
    int wanted;
    try {
      wanted = count == null ? 0 : Math.min(Integer.parseInt(count.trim()), capacity);
    } catch (NumberFormatException e) {
      wanted = 0;
    }
    java.util.LinkedList<Event> found = new java.util.LinkedList<>();
    for (var it = backlog.descendingIterator(); it.hasNext() && found.size() < wanted; ) {
      Event e = it.next();
      if (e.matches(prefix)) {
        found.addFirst(e);
      }
    }
    return found;
  }

  public void handle(RoutingContext rc) {
    HttpServerResponse response = rc.response();
    response.setChunked(true)
      .putHeader("Content-Type", "text/event-stream")
      .putHeader("Cache-Control", "no-cache")
      .putHeader("X-Accel-Buffering", "no");
    StringBuilder first = new StringBuilder(": pharos change stream\n\n");
    String prefix = rc.request().getParam("prefix");
    String lastId = rc.request().getHeader("Last-Event-ID");
    if (lastId == null) {
      lastId = rc.request().getParam("lastEventId");
    }
    if (lastId != null) {
      long after;
      try {
        after = Long.parseLong(lastId.trim());
      } catch (NumberFormatException e) {
        after = Long.MIN_VALUE;
      }
      Event oldest = backlog.peekFirst();
      if (oldest != null && after < oldest.id() - 1) {
        first.append("event: reset\ndata: {\"reason\":\"Last-Event-ID is older than the backlog\"}\n\n");
      }
      for (Event e : backlog) {
        if (e.id() > after && e.matches(prefix)) {
          first.append(e.frame());
        }
      }
    } else {
      recent(prefix, rc.request().getParam("backlog")).forEach(e -> first.append(e.frame()));
    }
    response.write(first.toString());
    clients.put(response, prefix);
    response.closeHandler(v -> clients.remove(response));
    response.exceptionHandler(err -> clients.remove(response));
  }
}
