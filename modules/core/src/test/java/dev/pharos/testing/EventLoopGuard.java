package dev.pharos.testing;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.util.concurrent.TimeUnit;

/**
 * In place of {@code VertxExtension} for tests that take a {@link Vertx} parameter: the same
 * Vertx for a test's {@code @BeforeEach}, body and {@code @AfterEach}, closed after it, whose
 * event loops Vert.x checks at a tight threshold. The test fails when a handler waited on an
 * event loop past that threshold, or computed on it past {@link BlockedThreadLog#COMPUTING_LIMIT_MS},
 * during it or its undeploys, naming the thread and what it was doing.
 */
public final class EventLoopGuard implements ParameterResolver, BeforeEachCallback, AfterEachCallback {

  /** Longer than any handler should run; short enough that a blocking call shows. */
  public static final long MAX_EVENT_LOOP_MS = 200;

  private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(EventLoopGuard.class);

  static {
    // the JVM's first JSON parse loads and compiles Jackson: a one-time cost, paid here off the loops
    io.vertx.core.buffer.Buffer.buffer("{\"warm\":[1,2.5,\"up\",{\"x\":null}]}").toJsonObject().encode();
  }

  /** A Vertx whose event loops are watched as this guard watches them. */
  public static Vertx vertx() {
    return Vertx.vertx(new VertxOptions()
      .setMaxEventLoopExecuteTime(MAX_EVENT_LOOP_MS).setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS)
      .setBlockedThreadCheckInterval(MAX_EVENT_LOOP_MS / 4).setBlockedThreadCheckIntervalUnit(TimeUnit.MILLISECONDS)
      // the blocked thread's stack from the first warning on: it says what blocked
      .setWarningExceptionTime(MAX_EVENT_LOOP_MS).setWarningExceptionTimeUnit(TimeUnit.MILLISECONDS));
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    context.getStore(NS).put(BlockedThreadLog.class, new BlockedThreadLog());
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == Vertx.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    if (context.getTestMethod().isEmpty()) {
      throw new ParameterResolutionException("EventLoopGuard gives a Vertx to a test and its @BeforeEach/@AfterEach only");
    }
    return context.getStore(NS).getOrComputeIfAbsent(Vertx.class, k -> vertx(), Vertx.class);
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    Vertx vertx = context.getStore(NS).remove(Vertx.class, Vertx.class);
    try (BlockedThreadLog log = context.getStore(NS).remove(BlockedThreadLog.class, BlockedThreadLog.class)) {
      if (vertx != null) {
        vertx.close().await(30, TimeUnit.SECONDS); // undeploying runs stop() on the loops: watched too
      }
      log.assertNoneBlocked();
    }
  }
}
