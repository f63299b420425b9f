package dev.pharos.harness;

import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.stream.Stream;

/** A test's HTTP client for Pharos's api: JSON GETs and a Server-Sent Events reader. */
final class Http {

  // HTTP/1.1, as Prometheus and curl speak it: the JDK client's default h2c upgrade once hung
  // against a large /metrics answer with its request timeout never firing
  private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
    .connectTimeout(Duration.ofSeconds(5)).build();

  private Http() {
  }

  static JsonObject getJson(String url) throws Exception {
    HttpResponse<String> response = CLIENT.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
      HttpResponse.BodyHandlers.ofString());
    return new JsonObject(response.body());
  }

  /** Sends {@code method} with a JSON {@code body} (or none); the response, whatever its status. */
  static HttpResponse<String> send(String method, String url, String body) throws Exception {
    return authorized(method, url, body, null);
  }

  /** {@link #send} with {@code Authorization: Bearer <token>} when {@code token} is not null. */
  static HttpResponse<String> authorized(String method, String url, String body, String token) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
      .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** One SSE event as received: its id, event name and data. */
  record Event(String id, String event, String data) {
    JsonObject json() {
      return new JsonObject(data);
    }
  }

  /** Opens an SSE stream; events arrive on the returned queue until the test ends. */
  static BlockingQueue<Event> events(String url, String lastEventId) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url));
    if (lastEventId != null) {
      request.header("Last-Event-ID", lastEventId);
    }
    HttpResponse<Stream<String>> response = CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofLines());
    if (response.statusCode() != 200) {
      throw new IllegalStateException("SSE answered " + response.statusCode());
    }
    BlockingQueue<Event> queue = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> {
      String id = null;
      String event = null;
      StringBuilder data = new StringBuilder();
      for (String line : (Iterable<String>) response.body()::iterator) {
        if (line.isEmpty()) {
          if (data.length() > 0) {
            queue.add(new Event(id, event, data.toString()));
          }
          id = null;
          event = null;
          data.setLength(0);
        } else if (line.startsWith("id: ")) {
          id = line.substring(4);
        } else if (line.startsWith("event: ")) {
          event = line.substring(7);
        } else if (line.startsWith("data: ")) {
          data.append(line.substring(6));
        }
      }
    }, "sse-reader");
    reader.setDaemon(true);
    reader.start();
    return queue;
  }
}
