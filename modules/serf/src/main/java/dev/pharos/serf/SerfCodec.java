package dev.pharos.serf;

import io.vertx.core.buffer.Buffer;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.msgpack.value.Value;
import org.msgpack.value.ValueType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * serf's RPC messages in msgpack: the request a command makes, and the records its answers
 * hold. A record of an unexpected shape fails with an {@link IllegalArgumentException} naming
 * what is wrong.
 */
final class SerfCodec {

  private SerfCodec() {
  }

  /** A response header {@code {"Seq","Error"}}. */
  record Header(long seq, String error) {
  }

  /** A request: header {@code {"Command","Seq"}}, then the body when there is one. */
  static Buffer request(String command, long seq, Map<String, Object> body) {
    try (MessageBufferPacker packer = MessagePack.newDefaultBufferPacker()) {
      packer.packMapHeader(2);
      packer.packString("Command").packString(command);
      packer.packString("Seq").packLong(seq);
      if (body != null) {
        pack(packer, body);
      }
      return Buffer.buffer(packer.toByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a buffer packer does no I/O
    }
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

  /** Whether {@code v} is a response header: serf's headers are exactly {@code {"Seq","Error"}}. */
  static boolean isHeader(Value v) {
    if (!v.isMapValue() || v.asMapValue().size() != 2) {
      return false;
    }
    Map<String, Value> map = map(v);
    return map.containsKey("Seq") && map.containsKey("Error");
  }

  static Header header(Value v) {
    if (!isHeader(v) || !map(v).get("Seq").isIntegerValue()) {
      throw new IllegalArgumentException("expected a response header {Seq, Error}, got " + v.getValueType());
    }
    Map<String, Value> map = map(v);
    return new Header(map.get("Seq").asIntegerValue().toLong(), string(map.get("Error")));
  }

  static Map<String, Value> map(Value value) {
    if (value == null || !value.isMapValue()) {
      throw new IllegalArgumentException("expected a map, got " + (value == null ? "nothing" : value.getValueType()));
    }
    Map<String, Value> map = new LinkedHashMap<>();
    value.asMapValue().map().forEach((k, v) -> map.put(string(k), v));
    return map;
  }

  /** Serf's Go codec writes some strings as raw bytes: read either. */
  static String string(Value v) {
    if (v == null || v.isNilValue()) {
      return "";
    }
    if (v.getValueType() == ValueType.BINARY) {
      return new String(v.asBinaryValue().asByteArray(), StandardCharsets.UTF_8);
    }
    return v.asStringValue().asString();
  }

  static byte[] bytes(Value v) {
    if (v == null || v.isNilValue()) {
      return new byte[0];
    }
    return v.asRawValue().asByteArray();
  }

  private static long integer(Map<String, Value> record, String field) {
    Value v = record.get(field);
    return v == null || !v.isIntegerValue() ? 0 : v.asIntegerValue().toLong();
  }

  /** The body of {@code members}: {@code {"Members":[...]}}. */
  static List<SerfMember> membersBody(Value body) {
    return members(map(body).get("Members"));
  }

  static List<SerfMember> members(Value list) {
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
        (int) integer(fields, "Port"), tags, string(fields.get("Status"))));
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

  /** The body of {@code stats}: section to field to value. */
  static Map<String, Map<String, String>> stats(Value body) {
    Map<String, Map<String, String>> stats = new LinkedHashMap<>();
    map(body).forEach((section, values) -> {
      Map<String, String> fields = new LinkedHashMap<>();
      map(values).forEach((k, v) -> fields.put(k, v.isStringValue() || v.isBinaryValue() ? string(v) : v.toString()));
      stats.put(section, fields);
    });
    return stats;
  }

  /** One record of a {@code stream}. */
  static SerfEvent event(Value body) {
    Map<String, Value> record = map(body);
    return new SerfEvent(string(record.get("Event")), string(record.get("Name")), bytes(record.get("Payload")),
      integer(record, "LTime"), integer(record, "ID"), members(record.get("Members")));
  }
}
