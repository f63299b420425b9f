package dev.pharos.testing;

import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which of the checker's warnings count as a blocked loop, by the stack it caught. */
class BlockedThreadLogTest {

  private static final String WARNING = "Thread Thread[vert.x-eventloop-thread-0,5,main] has been blocked for 223 ms, time limit is 200 ms";

  private static Exception caughtAt(String... frames) {
    Exception stack = new Exception("Thread blocked");
    StackTraceElement[] elements = new StackTraceElement[frames.length];
    for (int i = 0; i < frames.length; i++) {
      int dot = frames[i].lastIndexOf('.');
      boolean nativeMethod = frames[i].endsWith("0");
      elements[i] = new StackTraceElement(frames[i].substring(0, dot), frames[i].substring(dot + 1),
        nativeMethod ? null : "X.java", nativeMethod ? -2 : 1);
    }
    stack.setStackTrace(elements);
    return stack;
  }

  private static int counted(Exception stack) {
    try (BlockedThreadLog log = new BlockedThreadLog()) {
      LoggerFactory.getLogger(BlockedThreadLog.LOGGER).warn(WARNING, stack);
      return log.warnings().size();
    }
  }

  @Test
  void aChannelsReadIntoItsBufferDescheduledOnABusyMachineIsNotAWait() {
    // as a CI run caught it: an event loop's non-blocking read, 23 ms over the limit
    assertEquals(0, counted(caughtAt(
      "sun.nio.ch.SocketDispatcher.read0",
      "sun.nio.ch.SocketDispatcher.read",
      "sun.nio.ch.SocketChannelImpl.read",
      "io.netty.buffer.AdaptivePoolingAllocator$AdaptiveByteBuf.setBytes",
      "io.netty.buffer.AbstractByteBuf.writeBytes",
      "io.netty.channel.socket.nio.NioSocketChannel.doReadBytes",
      "io.netty.channel.nio.AbstractNioByteChannel$NioByteUnsafe.read")));
  }

  @Test
  void aHandlersSocketReadIsAWait() {
    assertEquals(1, counted(caughtAt(
      "sun.nio.ch.SocketDispatcher.read0",
      "sun.nio.ch.SocketDispatcher.read",
      "sun.nio.ch.SocketChannelImpl.read",
      "dev.pharos.Handler.handle",
      "io.netty.channel.nio.AbstractNioByteChannel$NioByteUnsafe.read")));
  }

  @Test
  void aHandlerReadingThroughANettyBufferIsAWait() {
    assertEquals(1, counted(caughtAt(
      "java.io.FileInputStream.read0",
      "java.io.FileInputStream.read",
      "io.netty.buffer.AbstractByteBuf.writeBytes",
      "dev.pharos.Handler.handle")));
  }

  @Test
  void theWarningIsNamedWithItsStack() {
    try (BlockedThreadLog log = new BlockedThreadLog()) {
      LoggerFactory.getLogger(BlockedThreadLog.LOGGER).warn(WARNING, caughtAt("java.lang.Thread.sleep0", "dev.pharos.Handler.handle"));
      assertTrue(log.warnings().get(0).contains("at dev.pharos.Handler.handle"), log.warnings().toString());
    }
  }
}
