package dev.pharos.serf;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.msgpack.value.ImmutableValue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MsgpackFramesTest {

  private static byte[] twoValues() throws IOException {
    try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
      p.packMapHeader(2).packString("Seq").packLong(7).packString("Error").packString("");
      p.packMapHeader(1).packString("Members").packArrayHeader(1).packString("x".repeat(300));
      return p.toByteArray();
    }
  }

  @Test
  void valuesSplitAcrossReadsComeOutWholeAndInOrder() throws IOException {
    byte[] bytes = twoValues();
    MsgpackFrames frames = new MsgpackFrames(1 << 20);
    List<ImmutableValue> out = new ArrayList<>();
    for (byte b : bytes) {
      out.addAll(frames.feed(Buffer.buffer(new byte[]{b})));
    }
    assertEquals(2, out.size());
    assertTrue(SerfCodec.isHeader(out.get(0)));
    assertEquals(7, SerfCodec.header(out.get(0)).seq());

    out.clear();
    byte[] twice = Buffer.buffer(bytes).appendBytes(bytes).getBytes();
    out.addAll(frames.feed(Buffer.buffer(twice)));
    assertEquals(4, out.size(), "several values in one read");
  }

  @Test
  void aValuePastTheBoundIsAClearError() throws IOException {
    byte[] bytes = twoValues();
    MsgpackFrames frames = new MsgpackFrames(100);
    IOException e = assertThrows(IOException.class, () -> frames.feed(Buffer.buffer(bytes).slice(0, bytes.length - 1)));
    assertTrue(e.getMessage().contains("more than 100 bytes"), e.getMessage());
  }

  @Test
  void bytesThatAreNotMsgpackAreAClearError() {
    MsgpackFrames frames = new MsgpackFrames(100);
    IOException e = assertThrows(IOException.class, () -> frames.feed(Buffer.buffer(new byte[]{(byte) 0xc1})));
    assertTrue(e.getMessage().contains("not msgpack"), e.getMessage());
  }
}
