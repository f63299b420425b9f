package dev.pharos.testing;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What Vert.x's blocked-thread checker reported while this log was open: it logs each warning
 * (with the blocked thread's stack once past the warning-exception time) on one logger, shared
 * by every Vertx of the JVM.
 */
public final class BlockedThreadLog implements AutoCloseable {

  /** The logger Vert.x 5's {@code BlockedThreadChecker} writes to. */
  public static final String LOGGER = "io.vertx.core.impl.BlockedThreadChecker";

  /** How long a loop may compute before it fails a test, against its wall time as the checker measures it. */
  public static final long COMPUTING_LIMIT_MS = 1000;

  private static final Pattern BLOCKED_FOR = Pattern.compile("has been blocked for (\\d+) ms");

  private final Logger logger = (Logger) LoggerFactory.getLogger(LOGGER);
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

  public BlockedThreadLog() {
    appender.setName("blocked-thread-log-" + System.identityHashCode(this));
    appender.start();
    logger.addAppender(appender);
  }

  /**
   * Each warning that counts (see {@link #waiting} and {@link #loadingClasses}); the first of
   * each blocked spell with the top of the thread's stack.
   */
  public List<String> warnings() {
    List<ILoggingEvent> events;
    synchronized (appender) { // the checker's thread appends under this lock
      events = List.copyOf(appender.list);
    }
    List<String> warnings = new ArrayList<>();
    Object previous = null;
    for (ILoggingEvent event : events) {
      if (loadingClasses(event) || !waiting(event) && blockedMs(event) < COMPUTING_LIMIT_MS) {
        continue;
      }
      // the checker warns every interval while a thread stays blocked: one stack says enough
      String text = event.getFormattedMessage();
      String thread = text.replaceFirst(" has been blocked.*", "");
      warnings.add(thread.equals(previous) ? text : describe(event));
      previous = thread;
    }
    return warnings;
  }

  /** Fails naming each blocked thread and where it was, when any was reported. */
  public void assertNoneBlocked() {
    List<String> warnings = warnings();
    if (!warnings.isEmpty()) {
      throw new AssertionError("an event loop was blocked:\n" + String.join("\n", warnings));
    }
  }

  /**
   * A loop caught waiting: asleep, parked, waiting on a monitor, or in blocking file or socket
   * I/O. Such a wait fails at the checker's limit. A loop caught computing, or in a native call
   * that does not wait (an event loop's wakeup write, say, descheduled on a busy machine), fails
   * only at {@link #COMPUTING_LIMIT_MS}: on a shared, busy machine a short handler's wall time
   * stretches with the cores it is not given, while a wait is a wait on any machine.
   */
  private static boolean waiting(ILoggingEvent event) {
    IThrowableProxy stack = event.getThrowableProxy();
    StackTraceElementProxy[] frames = stack == null ? new StackTraceElementProxy[0] : stack.getStackTraceElementProxyArray();
    if (frames.length == 0 || !frames[0].getStackTraceElement().isNativeMethod()) {
      return false;
    }
    StackTraceElement top = frames[0].getStackTraceElement();
    String where = top.getClassName() + "." + top.getMethodName();
    if (WAITS.stream().noneMatch(where::startsWith)) {
      return false;
    }
    // who made the call: Netty's own socket I/O is non-blocking, so a write caught in the kernel on
    // a busy machine (FileDispatcherImpl.write0 called by a NioSocketChannel) was descheduled; a
    // channel's read goes through its buffer's writeBytes, so Netty's buffers are passed over too
    for (StackTraceElementProxy frame : frames) {
      String caller = frame.getStackTraceElement().getClassName();
      if (!caller.startsWith("java.") && !caller.startsWith("sun.") && !caller.startsWith("jdk.")
        && !caller.startsWith("io.netty.buffer.")) {
        return !caller.startsWith("io.netty.channel.");
      }
    }
    return true;
  }

  /** Native calls that wait: a handler caught in one is blocking, whatever the machine's load. */
  private static final List<String> WAITS = List.of("java.lang.Thread.sleep", "jdk.internal.misc.Unsafe.park",
    "java.lang.Object.wait", "sun.nio.ch.FileDispatcherImpl.", "sun.nio.ch.SocketDispatcher.read", "sun.nio.ch.Net.poll",
    "sun.nio.ch.Net.connect", "sun.nio.ch.Net.accept", "java.io.FileInputStream.read", "java.io.FileOutputStream.write",
    "java.lang.ProcessImpl.waitFor", "java.lang.ProcessHandleImpl.waitForProcessExit");

  private static long blockedMs(ILoggingEvent event) {
    Matcher m = BLOCKED_FOR.matcher(event.getFormattedMessage());
    return m.find() ? Long.parseLong(m.group(1)) : Long.MAX_VALUE;
  }

  /**
   * A loop caught loading or initializing a class (Jackson's first ObjectMapper, a transport's
   * first channel): a once-per-JVM cost that a cold JVM on a busy machine stretches past the
   * limit, not a handler that blocks. A handler that blocks is caught again at the next check.
   */
  private static boolean loadingClasses(ILoggingEvent event) {
    IThrowableProxy stack = event.getThrowableProxy();
    if (stack == null) {
      return false;
    }
    for (StackTraceElementProxy frame : stack.getStackTraceElementProxyArray()) {
      StackTraceElement e = frame.getStackTraceElement();
      if ("<clinit>".equals(e.getMethodName())
        || "java.lang.ClassLoader".equals(e.getClassName()) && e.getMethodName().startsWith("loadClass")) {
        return true;
      }
    }
    return false;
  }

  private static String describe(ILoggingEvent event) {
    StringBuilder text = new StringBuilder(event.getFormattedMessage());
    IThrowableProxy stack = event.getThrowableProxy();
    if (stack != null) {
      StackTraceElementProxy[] frames = stack.getStackTraceElementProxyArray();
      for (int i = 0; i < Math.min(frames.length, 25); i++) {
        text.append("\n    at ").append(frames[i].getStackTraceElement());
      }
    }
    return text.toString();
  }

  @Override
  public void close() {
    logger.detachAppender(appender);
    appender.stop();
  }
}
