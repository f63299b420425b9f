package dev.pharos.serf;

import io.vertx.core.buffer.Buffer;
import org.msgpack.core.MessageInsufficientBufferException;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.ImmutableValue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A streaming msgpack decoder over a socket's buffers: serf's RPC stream is a sequence of msgpack
 * values with no framing, so a value may be split across reads and a read may hold several. Bytes
 * of an unfinished value are kept until the rest comes, up to a bound. Not thread-safe.
 */
final class MsgpackFrames {

  private final int maxBytes;
  private byte[] buf = new byte[4096];
  private int len;

  /** @param maxBytes the largest value accepted: a peer sending more is broken, not slow */
  MsgpackFrames(int maxBytes) {
    this.maxBytes = maxBytes;
  }

  /**
   * The values {@code chunk} completes, in order.
   *
   * @throws IOException when the bytes are not msgpack, or an unfinished value passes the bound
   */
  List<ImmutableValue> feed(Buffer chunk) throws IOException {
    byte[] bytes = chunk.getBytes();
    if (len + bytes.length > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + bytes.length));
    }
    System.arraycopy(bytes, 0, buf, len, bytes.length);
    len += bytes.length;
    List<ImmutableValue> values = new ArrayList<>();
    int consumed = 0;
    try (MessageUnpacker in = MessagePack.newDefaultUnpacker(buf, 0, len)) {
      while (consumed < len) {
        try {
          values.add(in.unpackValue());
        } catch (MessageInsufficientBufferException unfinished) {
          break; // the rest of this value is in a later read
        }
        consumed = (int) in.getTotalReadBytes();
      }
    } catch (IOException | RuntimeException e) {
      throw new IOException("serf sent bytes that are not msgpack: " + e.getMessage(), e);
    }
    System.arraycopy(buf, consumed, buf, 0, len - consumed);
    len -= consumed;
    if (len > maxBytes) {
      throw new IOException("serf sent a message of more than " + maxBytes + " bytes");
    }
    return values;
  }
}
