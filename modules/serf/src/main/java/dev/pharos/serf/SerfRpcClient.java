package dev.pharos.serf;

import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.ImmutableValue;
import org.msgpack.value.Value;
import org.msgpack.value.ValueType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A client of serf's agent RPC protocol (msgpack over TCP, {@code 127.0.0.1:7373} by default):
 * each request is a msgpack header {@code {"Command","Seq"}} and maybe a body; each response a
 * header {@code {"Seq","Error"}} and, for commands that have one, a body. A {@code stream}
 * keeps answering on its own sequence number. One reader thread per connection decodes the
 * responses and completes the callers' futures; callbacks run on that thread, so callers hand
 * them to their own executor.
 */
public final class SerfRpcClient implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(SerfRpcClient.class);

  /** What a pending request expects back after its header. */
  private enum Reply { HEADER, MEMBERS, STATS, STREAM, QUERY }

  private record Pending(Reply reply, CompletableFuture<Object> result, Consumer<SerfEvent> events,
                         QueryAnswers answers) {
    Pending(Reply reply) {
      this(reply, new CompletableFuture<>(), null, null);
    }
  }

  /** A query's acks and responses by node name, gathered until serf says it is done. */
  private record QueryAnswers(Map<String, byte[]> responses, java.util.Set<String> acks,
                              CompletableFuture<QueryResult> done) {
  }

  /**
   * What a query got back before its timeout.
   *
   * @param acks      the nodes that acknowledged it (when an ack was asked for)
   * @param responses each responding node's answer
   */
  public record QueryResult(java.util.Set<String> acks, Map<String, byte[]> responses) {
  }

  private final Socket socket;
  private final OutputStream out;
  private final MessageUnpacker in;
  private final AtomicLong seq = new AtomicLong();
  private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
  private final CompletableFuture<Void> closed = new CompletableFuture<>();

  private SerfRpcClient(Socket socket) throws IOException {
    this.socket = socket;
    this.out = socket.getOutputStream();
    this.in = MessagePack.newDefaultUnpacker(socket.getInputStream());
  }

  /**
   * Connects, shakes hands (protocol version 1) and authenticates when {@code authKey} is set.
   *
   * @throws IOException when the agent is unreachable or refuses the handshake or the key
   */
  public static SerfRpcClient connect(String host, int port, String authKey, int timeoutMs) throws IOException {
    Socket socket = new Socket();
    socket.setTcpNoDelay(true);
    socket.connect(new InetSocketAddress(host, port), timeoutMs);
    SerfRpcClient client = new SerfRpcClient(socket);
    Thread reader = new Thread(client::read, "serf-rpc-" + host + ":" + port);
    reader.setDaemon(true);
    reader.start();
    try {
      client.call("handshake", Map.of("Version", 1), Reply.HEADER).get(timeoutMs, TimeUnit.MILLISECONDS);
      if (authKey != null && !authKey.isEmpty()) {
        client.call("auth", Map.of("AuthKey", authKey), Reply.HEADER).get(timeoutMs, TimeUnit.MILLISECONDS);
      }
    } catch (Exception e) {
      client.close();
      Throwable cause = e instanceof java.util.concurrent.ExecutionException ? e.getCause() : e;
      throw new IOException("serf agent at " + host + ":" + port + " refused the handshake: " + cause.getMessage(), cause);
    }
    return client;
  }

  /** Completes when the connection ends, exceptionally with why. */
  public CompletableFuture<Void> closed() {
    return closed;
  }

  @SuppressWarnings("unchecked")
  public CompletableFuture<List<SerfMember>> members() {
    return call("members", null, Reply.MEMBERS).thenApply(r -> (List<SerfMember>) r);
  }

  /** The local agent's own member name, from the {@code stats} command. */
  @SuppressWarnings("unchecked")
  public CompletableFuture<String> agentName() {
    return call("stats", null, Reply.STATS).thenApply(r -> ((Map<String, Map<String, String>>) r)
      .getOrDefault("agent", Map.of()).getOrDefault("name", ""));
  }

  /**
   * Sends a query to the cluster and gathers the answers until serf's timeout ({@code timeoutMs}
   * 0 is serf's default, which grows with the cluster's size).
   */
  public CompletableFuture<QueryResult> query(String name, byte[] payload, boolean requestAck, long timeoutMs) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("FilterNodes", List.of());
    body.put("FilterTags", Map.of());
    body.put("RequestAck", requestAck);
    body.put("Timeout", TimeUnit.MILLISECONDS.toNanos(timeoutMs)); // Go's time.Duration
    body.put("Name", name);
    body.put("Payload", payload);
    QueryAnswers answers = new QueryAnswers(new ConcurrentHashMap<>(), ConcurrentHashMap.newKeySet(), new CompletableFuture<>());
    CompletableFuture<Object> accepted = send("query", body, new Pending(Reply.QUERY, new CompletableFuture<>(), null, answers));
    // a refused query fails at once; an accepted one completes when serf says done
    accepted.whenComplete((v, err) -> {
      if (err != null) {
        answers.done().completeExceptionally(err);
      }
    });
    return answers.done();
  }

  /** Sends a user event to the cluster. */
  public CompletableFuture<Void> event(String name, byte[] payload, boolean coalesce) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("Name", name);
    body.put("Payload", payload);
    body.put("Coalesce", coalesce);
    return call("event", body, Reply.HEADER).thenApply(r -> null);
  }

  /** Answers a query this node received on a stream. */
  public CompletableFuture<Void> respond(long queryId, byte[] payload) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("ID", queryId);
    body.put("Payload", payload);
    return call("respond", body, Reply.HEADER).thenApply(r -> null);
  }

  /**
   * Subscribes to events matching serf's filter ({@code "member-join,user:config_updated,query"},
   * {@code "*"}); every record goes to {@code events}. Completes once the agent acknowledged.
   */
  public CompletableFuture<Void> stream(String filter, Consumer<SerfEvent> events) {
    return send("stream", Map.of("Type", filter), new Pending(Reply.STREAM, new CompletableFuture<>(), events, null))
      .thenApply(r -> null);
  }

  private CompletableFuture<Object> call(String command, Map<String, Object> body, Reply reply) {
    return send(command, body, new Pending(reply));
  }

  private CompletableFuture<Object> send(String command, Map<String, Object> body, Pending p) {
    long id = seq.getAndIncrement();
    pending.put(id, p);
    try (MessageBufferPacker packer = MessagePack.newDefaultBufferPacker()) {
      packer.packMapHeader(2);
      packer.packString("Command").packString(command);
      packer.packString("Seq").packLong(id);
      if (body != null) {
        pack(packer, body);
      }
      byte[] bytes = packer.toByteArray();
      synchronized (out) {
        out.write(bytes);
        out.flush();
      }
    } catch (IOException e) {
      pending.remove(id);
      p.result().completeExceptionally(e);
    }
    return p.result();
  }

  private static void pack(MessageBufferPacker packer, Object value) throws IOException {
    if (value instanceof Map<?, ?> map) {
      packer.packMapHeader(map.size());
      for (Map.Entry<?, ?> e : map.entrySet()) {
        packer.packString(String.valueOf(e.getKey()));
        pack(packer, e.getValue());
      }
    } else if (value instanceof String s) {
      packer.packString(s);
    } else if (value instanceof byte[] b) {
      packer.packBinaryHeader(b.length).writePayload(b);
    } else if (value instanceof Boolean b) {
      packer.packBoolean(b);
    } else if (value instanceof Number n) {
      packer.packLong(n.longValue());
    } else if (value instanceof List<?> list) {
      packer.packArrayHeader(list.size());
      for (Object o : list) {
        pack(packer, o);
      }
    } else {
      throw new IllegalArgumentException("cannot pack " + value);
    }
  }

  /** The reader thread: headers, then the body the pending request expects. */
  private void read() {
    Throwable why = null;
    try {
      while (in.hasNext()) {
        Map<String, Value> header = map(in.unpackValue());
        long id = header.get("Seq").asIntegerValue().toLong();
        String error = header.containsKey("Error") ? string(header.get("Error")) : "";
        Pending p = pending.get(id);
        if (p == null) {
          LOG.warn("serf answered sequence {} that nobody asked", id);
          continue;
        }
        if (!error.isEmpty()) {
          pending.remove(id);
          p.result().completeExceptionally(new IOException(error));
          continue;
        }
        switch (p.reply()) {
          case HEADER -> {
            pending.remove(id);
            p.result().complete(null);
          }
          case MEMBERS -> {
            pending.remove(id);
            p.result().complete(members(map(in.unpackValue()).get("Members")));
          }
          case STATS -> {
            pending.remove(id);
            Map<String, Map<String, String>> stats = new LinkedHashMap<>();
            map(in.unpackValue()).forEach((section, values) -> {
              Map<String, String> fields = new LinkedHashMap<>();
              map(values).forEach((k, v) -> fields.put(k, string(v)));
              stats.put(section, fields);
            });
            p.result().complete(stats);
          }
          case QUERY -> {
            if (!p.result().isDone()) {
              p.result().complete(null); // the first header accepts the query; records follow
            } else {
              queryRecord(id, p.answers(), map(in.unpackValue()));
            }
          }
          case STREAM -> {
            if (!p.result().isDone()) {
              p.result().complete(null); // the first header acknowledges the subscription
            } else {
              p.events().accept(event(map(in.unpackValue())));
            }
          }
          default -> throw new IllegalStateException();
        }
      }
    } catch (IOException | RuntimeException e) {
      why = e;
    } finally {
      IOException ended = new IOException("serf RPC connection closed" + (why == null ? "" : ": " + why.getMessage()), why);
      pending.values().forEach(p -> {
        p.result().completeExceptionally(ended);
        if (p.answers() != null) {
          p.answers().done().completeExceptionally(ended);
        }
      });
      pending.clear();
      closed.completeExceptionally(ended);
    }
  }

  /** One {@code {"Type","From","Payload"}} record of a query: an ack, a response, or done. */
  private void queryRecord(long id, QueryAnswers answers, Map<String, Value> record) {
    switch (string(record.get("Type"))) {
      case "ack" -> answers.acks().add(string(record.get("From")));
      case "response" -> answers.responses().put(string(record.get("From")), bytes(record.get("Payload")));
      case "done" -> {
        pending.remove(id);
        answers.done().complete(new QueryResult(java.util.Set.copyOf(answers.acks()), Map.copyOf(answers.responses())));
      }
      default -> LOG.warn("serf sent a query record of unknown type {}", string(record.get("Type")));
    }
  }

  private static Map<String, Value> map(ImmutableValue value) {
    return map((Value) value);
  }

  private static Map<String, Value> map(Value value) {
    Map<String, Value> map = new LinkedHashMap<>();
    value.asMapValue().map().forEach((k, v) -> map.put(string(k), v));
    return map;
  }

  /** Serf's Go codec writes some strings as raw bytes: read either. */
  private static String string(Value v) {
    if (v == null || v.isNilValue()) {
      return "";
    }
    if (v.getValueType() == ValueType.BINARY) {
      return new String(v.asBinaryValue().asByteArray(), StandardCharsets.UTF_8);
    }
    return v.asStringValue().asString();
  }

  private static byte[] bytes(Value v) {
    if (v == null || v.isNilValue()) {
      return new byte[0];
    }
    return v.getValueType() == ValueType.BINARY ? v.asBinaryValue().asByteArray() : v.asRawValue().asByteArray();
  }

  private static List<SerfMember> members(Value list) {
    List<SerfMember> members = new ArrayList<>();
    if (list == null || list.isNilValue()) {
      return members;
    }
    for (Value m : list.asArrayValue()) {
      Map<String, Value> fields = map(m);
      Map<String, String> tags = new LinkedHashMap<>();
      Value t = fields.get("Tags");
      if (t != null && !t.isNilValue()) {
        t.asMapValue().map().forEach((k, v) -> tags.put(string(k), string(v)));
      }
      members.add(new SerfMember(string(fields.get("Name")), address(bytes(fields.get("Addr"))),
        fields.get("Port").asIntegerValue().toInt(), tags, string(fields.get("Status"))));
    }
    return members;
  }

  /** Serf sends a member's address as Go's net.IP: 4 or 16 bytes. */
  private static String address(byte[] ip) {
    try {
      return InetAddress.getByAddress(ip).getHostAddress();
    } catch (IOException e) {
      return "";
    }
  }

  private static SerfEvent event(Map<String, Value> record) {
    String type = string(record.get("Event"));
    long ltime = record.containsKey("LTime") ? record.get("LTime").asIntegerValue().toLong() : 0;
    long id = record.containsKey("ID") ? record.get("ID").asIntegerValue().toLong() : 0;
    return new SerfEvent(type, string(record.get("Name")), bytes(record.get("Payload")), ltime, id,
      members(record.get("Members")));
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // closing anyway
    }
  }
}
