package dev.pharos.serfbridge.impl;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Serfnode's event pipe: a named FIFO a child writes lines to. A daemon thread of its own (opening
 * a FIFO blocks until a writer comes) reads each line and hands it on; when a writer closes, it
 * opens the FIFO again for the next one.
 */
public final class FifoReader implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(FifoReader.class);
  /** Longer lines are refused: a serf payload is at most 512 bytes. */
  public static final int MAX_LINE = 4096;

  private final Path fifo;
  private volatile boolean closed;

  /**
   * @param lines   gets every line read
   * @param refused gets (what, reason) for lines it drops and for a FIFO it cannot make
   */
  public FifoReader(Path fifo, Consumer<String> lines, BiConsumer<String, String> refused) {
    this.fifo = fifo;
    Thread reader = new Thread(() -> run(lines, refused), "fifo-" + fifo);
    reader.setDaemon(true);
    reader.start();
  }

  private void run(Consumer<String> lines, BiConsumer<String, String> refused) {
    while (!closed) {
      try {
        if (!Files.exists(fifo)) {
          Files.createDirectories(fifo.getParent());
          Process mkfifo = new ProcessBuilder("mkfifo", "-m", "0622", fifo.toString()).redirectErrorStream(true).start();
          if (mkfifo.waitFor() != 0) {
            throw new IOException("mkfifo failed: " + new String(mkfifo.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim());
          }
        }
        try (BufferedReader in = new BufferedReader(new InputStreamReader(Files.newInputStream(fifo), StandardCharsets.UTF_8))) {
          String line;
          while (!closed && (line = in.readLine()) != null) {
            if (line.isBlank()) {
              continue;
            }
            if (line.length() > MAX_LINE) {
              refused.accept(fifo.toString(), "a line of " + line.length() + " characters, over " + MAX_LINE);
            } else {
              lines.accept(line);
            }
          }
        }
      } catch (IOException | RuntimeException e) {
        refused.accept(fifo.toString(), e.getMessage());
        sleep();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static void sleep() {
    try {
      Thread.sleep(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    closed = true;
    // the reader may be blocked opening the FIFO: be the writer that lets it return
    Thread unblock = new Thread(() -> {
      try (FileOutputStream out = new FileOutputStream(fifo.toFile())) {
        out.flush();
      } catch (IOException e) {
        LOG.debug("closing {}: {}", fifo, e.getMessage());
      }
    }, "fifo-close-" + fifo);
    unblock.setDaemon(true);
    unblock.start();
  }
}
