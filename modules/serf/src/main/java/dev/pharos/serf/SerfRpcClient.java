package dev.pharos.serf;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A client of one connection to a serf agent's RPC (msgpack over TCP, {@code 127.0.0.1:7373} by default) on
 * a Vert.x {@link NetSocket}: nothing here blocks. Each request is a header
 * {@code {"Command","Seq"}} and maybe a body; each response a header {@code {"Seq","Error"}} and,
 * for commands that have one, a body; a {@code stream} or {@code query} keeps answering on its
 * own sequence number.
 *
 * <p>Every call fails cleanly: with serf's error, after its timeout, when the connection ends
 * (all pending calls fail at once, and {@link #closed()} completes), or at once when
 * {@link Limits#maxPending} calls are waiting or the agent has stopped reading
 * ({@link Limits#maxQueuedBytes} unsent). A stream's subscription times out; its records do not.
 * State lives on the context that connected; calls from other threads hop onto it, and the
 * futures and stream records complete there. Reconnecting is the caller's job.
 */
public final class SerfRpcClient implements AutoCloseable {

  /**
   * @param callTimeoutMs  how long a call waits for its answer (a query: for serf's "done", on top of its own timeout)
   * @param maxPending     calls waiting for an answer at once, streams included; more are refused
   * @param maxQueuedBytes unsent request bytes before new calls are refused
   * @param maxMessageBytes the largest message accepted from serf
   */
  public record Limits(long callTimeoutMs, int maxPending, int maxQueuedBytes, int maxMessageBytes) {
    public static final Limits DEFAULT = new Limits(5000, 1024, 1 << 20, 16 << 20);
  }

  /**
   * What a query got back before its timeout.
   *
   * @param acks      the nodes that acknowledged it (when an ack was asked for)
   * @param responses each responding node's answer
   */
  public record QueryResult(Set<String> acks, Map<String, byte[]> responses) {
  }

  private final SerfConnection connection;
  private final Limits limits;

  private SerfRpcClient(SerfConnection connection, Limits limits) {
    this.connection = connection;
    this.limits = limits;
  }

  /** Connects with the default limits. */
  public static Future<SerfRpcClient> connect(Vertx vertx, String host, int port, String authKey) {
    return connect(vertx, host, port, authKey, Limits.DEFAULT);
  }

  /**
   * Connects, shakes hands (protocol version 1) and authenticates when {@code authKey} is set;
   * fails naming the agent when it is unreachable or refuses the handshake or the key.
   */
  public static Future<SerfRpcClient> connect(Vertx vertx, String host, int port, String authKey, Limits limits) {
    String agent = host + ":" + port;
    Context context = vertx.getOrCreateContext();
    Promise<SerfRpcClient> connected = Promise.promise();
    context.runOnContext(x -> {
      // connecting on the context makes it the socket's: handlers and state stay on one thread
      NetClient net = vertx.createNetClient(new NetClientOptions().setConnectTimeout((int) limits.callTimeoutMs()).setTcpNoDelay(true));
      net.connect(port, host)
        .recover(err -> net.close().transform(v -> Future.failedFuture(err)))
        .compose(socket -> {
          SerfRpcClient client = new SerfRpcClient(new SerfConnection(vertx, context, net, socket, limits, agent), limits);
          Future<Object> shaken = client.call("handshake", Map.of("Version", 1), SerfConnection.Reply.HEADER);
          if (authKey != null && !authKey.isEmpty()) {
            shaken = shaken.compose(v -> client.call("auth", Map.of("AuthKey", authKey), SerfConnection.Reply.HEADER));
          }
          return shaken.map(client).recover(err -> {
            client.close();
            return Future.failedFuture(new IOException("serf agent at " + agent + " refused the handshake: " + err.getMessage(), err));
          });
        })
        .recover(err -> Future.failedFuture(err instanceof IOException && err.getMessage().startsWith("serf agent at") ? err
          : new IOException("serf agent at " + agent + " unreachable: " + err.getMessage(), err)))
        .onComplete(connected);
    });
    return connected.future();
  }

  /** Completes when the connection ends, failed with why. */
  public Future<Void> closed() {
    return connection.closed();
  }

  @SuppressWarnings("unchecked")
  public Future<List<SerfMember>> members() {
    return call("members", null, SerfConnection.Reply.MEMBERS).map(r -> (List<SerfMember>) r);
  }

  /** The local agent's own member name, from the {@code stats} command. */
  @SuppressWarnings("unchecked")
  public Future<String> agentName() {
    return call("stats", null, SerfConnection.Reply.STATS).map(r -> ((Map<String, Map<String, String>>) r)
      .getOrDefault("agent", Map.of()).getOrDefault("name", ""));
  }

  /**
   * Sends a query to the cluster and gathers the answers until serf says it is done
   * ({@code timeoutMs} 0 is serf's default, which grows with the cluster's size; the call then
   * waits up to a minute).
   */
  public Future<QueryResult> query(String name, byte[] payload, boolean requestAck, long timeoutMs) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("FilterNodes", List.of());
    body.put("FilterTags", Map.of());
    body.put("RequestAck", requestAck);
    body.put("Timeout", TimeUnit.MILLISECONDS.toNanos(timeoutMs)); // Go's time.Duration
    body.put("Name", name);
    body.put("Payload", payload);
    long waitMs = (timeoutMs > 0 ? timeoutMs : 60_000) + limits.callTimeoutMs();
    return send(new SerfConnection.Pending("query", SerfConnection.Reply.QUERY), body, waitMs).map(r -> (QueryResult) r);
  }

  /** Sends a user event to the cluster. */
  public Future<Void> event(String name, byte[] payload, boolean coalesce) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("Name", name);
    body.put("Payload", payload);
    body.put("Coalesce", coalesce);
    return call("event", body, SerfConnection.Reply.HEADER).mapEmpty();
  }

  /** Answers a query this node received on a stream. */
  public Future<Void> respond(long queryId, byte[] payload) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("ID", queryId);
    body.put("Payload", payload);
    return call("respond", body, SerfConnection.Reply.HEADER).mapEmpty();
  }

  /**
   * Subscribes to events matching serf's filter ({@code "member-join,user:config_updated,query"},
   * {@code "*"}); every record goes to {@code events} on this client's context. Completes with the
   * stream's id (for {@link #stop}) once the agent acknowledged.
   */
  public Future<Long> stream(String filter, Consumer<SerfEvent> events) {
    SerfConnection.Pending p = new SerfConnection.Pending("stream", SerfConnection.Reply.STREAM);
    p.events = events;
    return send(p, Map.of("Type", filter), limits.callTimeoutMs()).map(r -> (Long) r);
  }

  /** Ends a stream: no record of it is delivered once this completes. */
  public Future<Void> stop(long stream) {
    return call("stop", Map.of("Stop", stream), SerfConnection.Reply.HEADER).onSuccess(v -> connection.forget(stream)).mapEmpty();
  }

  private Future<Object> call(String command, Map<String, Object> body, SerfConnection.Reply reply) {
    return send(new SerfConnection.Pending(command, reply), body, limits.callTimeoutMs());
  }

  private Future<Object> send(SerfConnection.Pending p, Map<String, Object> body, long timeoutMs) {
    return connection.send(p, body, timeoutMs);
  }

  /** Closes the connection; pending calls fail. Does not block. */
  @Override
  public void close() {
    connection.close();
  }
}
