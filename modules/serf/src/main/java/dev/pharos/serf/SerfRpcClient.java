package dev.pharos.serf;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import org.msgpack.value.ImmutableValue;
import org.msgpack.value.Value;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One connection to a serf agent's RPC (msgpack over TCP, {@code 127.0.0.1:7373} by default) on
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

  private static final Logger LOG = LoggerFactory.getLogger(SerfRpcClient.class);

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

  /** What a pending call expects after its header. */
  private enum Reply { HEADER, MEMBERS, STATS, STREAM, QUERY }

  private static final class Pending {
    final String command;
    final Reply reply;
    final Promise<Object> result = Promise.promise();
    Consumer<SerfEvent> events;
    final Set<String> acks = new TreeSet<>();
    final Map<String, byte[]> responses = new LinkedHashMap<>();
    boolean accepted;
    long id;
    long timer = -1;

    Pending(String command, Reply reply) {
      this.command = command;
      this.reply = reply;
    }
  }

  private final Vertx vertx;
  private final Context context;
  private final NetClient net;
  private final NetSocket socket;
  private final Limits limits;
  private final String agent;
  private final MsgpackFrames frames;
  private final Map<Long, Pending> pending = new HashMap<>();
  private final Promise<Void> closed = Promise.promise();
  private long seq;
  /** The call whose body is the next value, or null. */
  private Pending bodyFor;
  /** A header nobody waits for came: its body, if any, is the next non-header value. */
  private boolean skipBody;
  private Throwable failure;

  private SerfRpcClient(Vertx vertx, Context context, NetClient net, NetSocket socket, Limits limits, String agent) {
    this.vertx = vertx;
    this.context = context;
    this.net = net;
    this.socket = socket;
    this.limits = limits;
    this.agent = agent;
    this.frames = new MsgpackFrames(limits.maxMessageBytes());
    socket.setWriteQueueMaxSize(limits.maxQueuedBytes());
    socket.handler(this::received);
    socket.exceptionHandler(err -> fail(err));
    socket.closeHandler(v -> ended());
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
          SerfRpcClient client = new SerfRpcClient(vertx, context, net, socket, limits, agent);
          Future<Object> shaken = client.call("handshake", Map.of("Version", 1), Reply.HEADER);
          if (authKey != null && !authKey.isEmpty()) {
            shaken = shaken.compose(v -> client.call("auth", Map.of("AuthKey", authKey), Reply.HEADER));
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
    return closed.future();
  }

  @SuppressWarnings("unchecked")
  public Future<List<SerfMember>> members() {
    return call("members", null, Reply.MEMBERS).map(r -> (List<SerfMember>) r);
  }

  /** The local agent's own member name, from the {@code stats} command. */
  @SuppressWarnings("unchecked")
  public Future<String> agentName() {
    return call("stats", null, Reply.STATS).map(r -> ((Map<String, Map<String, String>>) r)
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
    return send(new Pending("query", Reply.QUERY), body, waitMs).map(r -> (QueryResult) r);
  }

  /** Sends a user event to the cluster. */
  public Future<Void> event(String name, byte[] payload, boolean coalesce) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("Name", name);
    body.put("Payload", payload);
    body.put("Coalesce", coalesce);
    return call("event", body, Reply.HEADER).mapEmpty();
  }

  /** Answers a query this node received on a stream. */
  public Future<Void> respond(long queryId, byte[] payload) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("ID", queryId);
    body.put("Payload", payload);
    return call("respond", body, Reply.HEADER).mapEmpty();
  }

  /**
   * Subscribes to events matching serf's filter ({@code "member-join,user:config_updated,query"},
   * {@code "*"}); every record goes to {@code events} on this client's context. Completes with the
   * stream's id (for {@link #stop}) once the agent acknowledged.
   */
  public Future<Long> stream(String filter, Consumer<SerfEvent> events) {
    Pending p = new Pending("stream", Reply.STREAM);
    p.events = events;
    return send(p, Map.of("Type", filter), limits.callTimeoutMs()).map(r -> (Long) r);
  }

  /** Ends a stream: no record of it is delivered once this completes. */
  public Future<Void> stop(long stream) {
    return call("stop", Map.of("Stop", stream), Reply.HEADER).onSuccess(v -> pending.remove(stream)).mapEmpty();
  }

  private Future<Object> call(String command, Map<String, Object> body, Reply reply) {
    return send(new Pending(command, reply), body, limits.callTimeoutMs());
  }

  private Future<Object> send(Pending p, Map<String, Object> body, long timeoutMs) {
    if (Vertx.currentContext() == context) {
      write(p, body, timeoutMs);
    } else {
      context.runOnContext(v -> write(p, body, timeoutMs));
    }
    return p.result.future();
  }

  /** On the context: refused at once when the connection is gone or full, else written and timed. */
  private void write(Pending p, Map<String, Object> body, long timeoutMs) {
    String refused = failure != null ? "the connection to " + agent + " is closed: " + failure.getMessage()
      : pending.size() >= limits.maxPending() ? limits.maxPending() + " serf RPC calls already pending"
      : socket.writeQueueFull() ? "the serf agent at " + agent + " is not reading (" + limits.maxQueuedBytes() + " bytes unsent)"
      : null;
    if (refused != null) {
      p.result.fail(new IOException("serf " + p.command + " refused: " + refused));
      return;
    }
    long id = seq++;
    p.id = id;
    pending.put(id, p);
    p.timer = vertx.setTimer(timeoutMs, t -> {
      if (pending.get(id) == p) {
        pending.remove(id);
        p.result.tryFail(new IOException("serf " + p.command + " (seq " + id + ") got no answer from " + agent + " within "
          + timeoutMs + " ms"));
      }
    });
    socket.write(SerfCodec.request(p.command, id, body)).onFailure(err -> {
      if (pending.remove(id) == p) {
        vertx.cancelTimer(p.timer);
        p.result.tryFail(new IOException("serf " + p.command + " not sent to " + agent + ": " + err.getMessage(), err));
      }
    });
  }

  private void received(Buffer chunk) {
    try {
      for (ImmutableValue value : frames.feed(chunk)) {
        dispatch(value);
      }
    } catch (IOException | RuntimeException e) {
      // out of step with the stream: nothing after this can be trusted
      fail(new IOException("serf RPC from " + agent + " broken: " + e.getMessage(), e));
    }
  }

  private void dispatch(Value value) {
    if (bodyFor != null) {
      Pending p = bodyFor;
      bodyFor = null;
      body(p, value);
      return;
    }
    if (skipBody) {
      skipBody = false;
      if (!SerfCodec.isHeader(value)) {
        return; // the body of a call that timed out or a stopped stream
      }
    }
    SerfCodec.Header header = SerfCodec.header(value);
    Pending p = pending.get(header.seq());
    if (p == null) {
      LOG.debug("serf at {} answered sequence {}, which nobody waits for", agent, header.seq());
      skipBody = true;
      return;
    }
    if (!header.error().isEmpty()) {
      finish(header.seq(), p).tryFail(new IOException("serf " + p.command + " failed: " + header.error()));
      return;
    }
    switch (p.reply) {
      case HEADER -> finish(header.seq(), p).tryComplete(null);
      case MEMBERS, STATS -> {
        finish(header.seq(), p);
        bodyFor = p;
      }
      case STREAM, QUERY -> {
        if (!p.accepted) {
          p.accepted = true; // the first header accepts it; records follow under the same sequence
          if (p.reply == Reply.STREAM) {
            vertx.cancelTimer(p.timer);
            p.result.tryComplete(header.seq());
          }
        } else {
          bodyFor = p;
        }
      }
      default -> throw new IllegalStateException();
    }
  }

  private Promise<Object> finish(long id, Pending p) {
    pending.remove(id);
    vertx.cancelTimer(p.timer);
    return p.result;
  }

  /** The body that follows {@code p}'s header. A record of a bad shape is dropped and logged; the stream stays in step. */
  private void body(Pending p, Value value) {
    try {
      switch (p.reply) {
        case MEMBERS -> p.result.tryComplete(SerfCodec.membersBody(value));
        case STATS -> p.result.tryComplete(SerfCodec.stats(value));
        case STREAM -> p.events.accept(SerfCodec.event(value));
        case QUERY -> queryRecord(p, SerfCodec.map(value));
        default -> throw new IllegalStateException();
      }
    } catch (RuntimeException e) {
      if (p.reply == Reply.STREAM || p.reply == Reply.QUERY) {
        LOG.warn("serf {} record from {} dropped: {} ({})", p.command, agent, e.getMessage(), value);
      } else {
        p.result.tryFail(new IOException("serf " + p.command + " answer from " + agent + " unreadable: " + e.getMessage(), e));
      }
    }
  }

  /** One {@code {"Type","From","Payload"}} record of a query: an ack, a response, or done. */
  private void queryRecord(Pending p, Map<String, Value> record) {
    switch (SerfCodec.string(record.get("Type"))) {
      case "ack" -> p.acks.add(SerfCodec.string(record.get("From")));
      case "response" -> p.responses.put(SerfCodec.string(record.get("From")), SerfCodec.bytes(record.get("Payload")));
      case "done" -> finish(p.id, p).tryComplete(new QueryResult(Set.copyOf(p.acks), Map.copyOf(p.responses)));
      default -> LOG.warn("serf sent a query record of unknown type {}", SerfCodec.string(record.get("Type")));
    }
  }

  private void fail(Throwable why) {
    if (failure == null) {
      failure = why;
    }
    socket.close();
  }

  /** The socket closed: every pending call fails with why. */
  private void ended() {
    IOException ended = new IOException("serf RPC connection to " + agent + " closed"
      + (failure == null ? "" : ": " + failure.getMessage()), failure);
    if (failure == null) {
      failure = ended;
    }
    List<Pending> all = List.copyOf(pending.values());
    pending.clear();
    if (bodyFor != null) {
      all = new ArrayList<>(all);
      all.add(bodyFor);
      bodyFor = null;
    }
    all.forEach(p -> {
      vertx.cancelTimer(p.timer);
      p.result.tryFail(ended);
    });
    closed.tryFail(ended);
    net.close();
  }

  /** Closes the connection; pending calls fail. Does not block. */
  @Override
  public void close() {
    if (Vertx.currentContext() == context) {
      fail(new IOException("closed by Pharos"));
    } else {
      context.runOnContext(v -> fail(new IOException("closed by Pharos")));
    }
  }
}
