package dev.pharos.checks.impl;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The rabbitmq check's framing: frames cut anywhere by TCP come out whole, and garbage is refused. */
class AmqpFramesTest {

  @Test
  void framesSplitAtEveryByteComeOutWhole() {
    Buffer stream = Buffer.buffer()
      .appendBuffer(AmqpFrames.method(0, 10, 41, AmqpFrames.shortString(Buffer.buffer(), "")))
      .appendBuffer(AmqpFrames.frame(AmqpFrames.BODY, 1, Buffer.buffer("nerve test message")));
    for (int cut = 0; cut <= stream.length(); cut++) {
      AmqpFrames frames = new AmqpFrames();
      List<AmqpFrames.Frame> out = new ArrayList<>(frames.feed(stream.getBuffer(0, cut)));
      out.addAll(frames.feed(stream.getBuffer(cut, stream.length())));
      assertEquals(2, out.size(), "cut at " + cut);
      assertTrue(out.get(0).is(10, 41));
      assertEquals("nerve test message", out.get(1).payload().toString());
      assertEquals(1, out.get(1).channel());
    }
  }

  @Test
  void somethingElseThanAmqpIsRefused() {
    assertThrows(IllegalStateException.class, () -> new AmqpFrames().feed(Buffer.buffer("HTTP/1.1 400 Bad Request\r\n\r\n")));
  }
}
