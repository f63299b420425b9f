package dev.pharos.launcher;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.core.ConsoleAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A node's logging set up in code, found by logback as a service, and an operator's own file winning over it. */
class LogSetupTest {

  private static final String FILE = "logback.configurationFile";
  /** The tests' own logback file, set by the build: put back after each test. */
  private String operatorFile;

  @BeforeEach
  void saveFile() {
    operatorFile = System.clearProperty(FILE);
  }

  @AfterEach
  void restoreFile() {
    if (operatorFile != null) {
      System.setProperty(FILE, operatorFile);
    }
  }

  @Test
  void logbackFindsItAsAService() {
    assertTrue(ServiceLoader.load(Configurator.class).stream().anyMatch(p -> p.type() == LogSetup.class));
  }

  @Test
  void aNodeLogsOneLinePerEventWithTheChattyLibrariesAtWarn() {
    LoggerContext context = new LoggerContext();
    LogSetup setup = new LogSetup();
    setup.setContext(context);
    assertEquals(Configurator.ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY, setup.configure(context));
    ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    assertEquals(Level.INFO, root.getLevel());
    ConsoleAppender<?> console = assertInstanceOf(ConsoleAppender.class, root.getAppender("STDOUT"));
    assertTrue(console.isStarted());
    assertEquals(LogSetup.PATTERN, assertInstanceOf(PatternLayoutEncoder.class, console.getEncoder()).getPattern());
    assertEquals(Level.WARN, context.getLogger("org.apache.zookeeper.ClientCnxn").getEffectiveLevel());
    assertEquals(Level.OFF, context.getLogger("io.vertx.core.net.impl.ConnectionBase").getEffectiveLevel());
    assertEquals(Level.INFO, context.getLogger("dev.pharos.registrar.RegistrarVerticle").getEffectiveLevel());
  }

  @Test
  void anOperatorsOwnFileWins() {
    System.setProperty(FILE, "/etc/pharos/logback.xml");
    LoggerContext context = new LoggerContext();
    LogSetup setup = new LogSetup();
    setup.setContext(context);
    assertEquals(Configurator.ExecutionStatus.INVOKE_NEXT_IF_ANY, setup.configure(context));
    assertFalse(context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).iteratorForAppenders().hasNext());
  }
}
