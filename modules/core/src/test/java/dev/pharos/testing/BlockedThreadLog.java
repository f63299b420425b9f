package dev.pharos.testing;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * What Vert.x's blocked-thread checker reported while this log was open: it logs each warning
 * (with the blocked thread's stack once past the warning-exception time) on one logger, shared
 * by every Vertx of the JVM.
 */
public final class BlockedThreadLog implements AutoCloseable {

  /** The logger Vert.x 5's {@code BlockedThreadChecker} writes to. */
  public static final String LOGGER = "io.vertx.core.impl.BlockedThreadChecker";

  private final Logger logger = (Logger) LoggerFactory.getLogger(LOGGER);
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

  public BlockedThreadLog() {
    appender.setName("blocked-thread-log-" + System.identityHashCode(this));
    appender.start();
    logger.addAppender(appender);
  }

  /** Each warning; the first of each blocked spell with the top of the thread's stack, when Vert.x gave it. */
  public List<String> warnings() {
    List<ILoggingEvent> events;
    synchronized (appender) { // the checker's thread appends under this lock
      events = List.copyOf(appender.list);
    }
    List<String> warnings = new ArrayList<>();
    Object previous = null;
    for (ILoggingEvent event : events) {
      if (loadingClasses(event)) {
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
