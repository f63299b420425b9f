package dev.pharos.serf;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
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
import java.util.function.Consumer;

/**
 * One connection to a serf agent's RPC on a Vert.x {@link NetSocket}, for {@link SerfRpcClient}:
 * the calls waiting for an answer by sequence number, their timeouts and bounds, and the
 * dispatch of each decoded value to the call it answers. Requests are written on the connecting
 * context and answers handled there, so its state needs no locks.
 */
final class SerfConnection {

  private static final Logger LOG = LoggerFactory.getLogger(SerfConnection.class);

  /** What a pending call expects after its header. */
  enum Reply { HEADER, MEMBERS, STATS, STREAM, QUERY }

  static final class Pending {
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
  private final SerfRpcClient.Limits limits;
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

  SerfConnection(Vertx vertx, Context context, NetClient net, NetSocket socket, SerfRpcClient.Limits limits, String agent) {
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

  Future<Object> send(Pending p, Map<String, Object> body, long timeoutMs) {
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
      // serf sends an ack with an empty From once its ack channel closes: no node's acknowledgement
      case "ack" -> {
        String from = SerfCodec.string(record.get("From"));
        if (from != null && !from.isEmpty()) {
          p.acks.add(from);
        }
      }
      case "response" -> p.responses.put(SerfCodec.string(record.get("From")), SerfCodec.bytes(record.get("Payload")));
      case "done" -> finish(p.id, p).tryComplete(new SerfRpcClient.QueryResult(Set.copyOf(p.acks), Map.copyOf(p.responses)));
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
  public void close() {
    if (Vertx.currentContext() == context) {
      fail(new IOException("closed by Pharos"));
    } else {
      context.runOnContext(v -> fail(new IOException("closed by Pharos")));
    }
  }

  /** A stopped stream: records still on their way are skipped. */
  void forget(long stream) {
    pending.remove(stream);
  }

  Future<Void> closed() {
    return closed.future();
  }
}
