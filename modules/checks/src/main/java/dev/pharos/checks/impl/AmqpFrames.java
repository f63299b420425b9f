package dev.pharos.checks.impl;

import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Just enough of AMQP 0-9-1's framing (the spec's section 4.2) for the rabbitmq check: frames
 * out, and frames in from the socket's buffers however they are split.
 */
final class AmqpFrames {

  static final Buffer PROTOCOL_HEADER = Buffer.buffer(new byte[] {'A', 'M', 'Q', 'P', 0, 0, 9, 1});
  static final int METHOD = 1;
  static final int HEADER = 2;
  static final int BODY = 3;
  static final int HEARTBEAT = 8;
  private static final int FRAME_END = 0xCE;
  /** No frame of this conversation comes near it; a larger one is not an AMQP server talking. */
  private static final int MAX_FRAME = 1 << 20;

  /** One frame in: its type, channel and payload. */
  record Frame(int type, int channel, Buffer payload) {

    int classId() {
      return payload.getUnsignedShort(0);
    }

    int methodId() {
      return payload.getUnsignedShort(2);
    }

    boolean is(int classId, int methodId) {
      return type == METHOD && classId() == classId && methodId() == methodId;
    }

    /** Connection.Close and Channel.Close carry a reply code and text first. */
    String closeReason() {
      int code = payload.getUnsignedShort(4);
      int len = payload.getUnsignedByte(6);
      return code + " " + payload.getString(7, 7 + len);
    }
  }

  private Buffer pending = Buffer.buffer();

  /** The whole frames the bytes so far complete; a partial one waits for more. */
  List<Frame> feed(Buffer bytes) {
    pending.appendBuffer(bytes);
    List<Frame> frames = new ArrayList<>();
    int at = 0;
    while (pending.length() - at >= 7) {
      long size = pending.getUnsignedInt(at + 3);
      if (size > MAX_FRAME) {
        throw new IllegalStateException("not an AMQP 0-9-1 server: frame of " + size + " bytes");
      }
      int end = at + 7 + (int) size;
      if (pending.length() < end + 1) {
        break;
      }
      if (pending.getUnsignedByte(end) != FRAME_END) {
        throw new IllegalStateException("not an AMQP 0-9-1 server: bad frame end");
      }
      frames.add(new Frame(pending.getUnsignedByte(at), pending.getUnsignedShort(at + 1), pending.getBuffer(at + 7, end)));
      at = end + 1;
    }
    if (at > 0) {
      pending = pending.getBuffer(at, pending.length());
    }
    return frames;
  }

  static Buffer method(int channel, int classId, int methodId, Buffer arguments) {
    return frame(METHOD, channel, Buffer.buffer().appendUnsignedShort(classId).appendUnsignedShort(methodId)
      .appendBuffer(arguments));
  }

  static Buffer frame(int type, int channel, Buffer payload) {
    return Buffer.buffer().appendUnsignedByte((short) type).appendUnsignedShort(channel)
      .appendUnsignedInt(payload.length()).appendBuffer(payload).appendUnsignedByte((short) FRAME_END);
  }

  static Buffer shortString(Buffer to, String s) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    return to.appendUnsignedByte((short) bytes.length).appendBytes(bytes);
  }

  static Buffer longString(Buffer to, byte[] bytes) {
    return to.appendUnsignedInt(bytes.length).appendBytes(bytes);
  }
}
