package dev.pharos.serf;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * serf-handler's configuration files: {@code <configs>/<p>/<k>.json} holds {@code c} plus
 * {@code "_version": v}, written only when {@code v} is newer than what is stored, and replaced
 * atomically so a reader never sees half a file. Blocking.
 */
public final class ConfigFiles {

  public enum Outcome { STORED, IGNORED }

  private final Path root;

  public ConfigFiles(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  public Path file(ConfigUpdate update) {
    Path file = root.resolve(update.product()).resolve(update.key() + ".json").normalize();
    if (!file.startsWith(root)) {
      throw new IllegalArgumentException("config " + update.product() + "/" + update.key() + " would leave " + root);
    }
    return file;
  }

  /** The stored version of the update's file, or -1 when there is none (or it is unreadable). */
  public long storedVersion(ConfigUpdate update) {
    Path file = file(update);
    try {
      return Buffer.buffer(Files.readAllBytes(file)).toJsonObject().getLong("_version", -1L);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  public Outcome apply(ConfigUpdate update) throws IOException {
    if (storedVersion(update) >= update.version()) {
      return Outcome.IGNORED;
    }
    JsonObject content = new JsonObject().put("_version", update.version()).mergeIn(update.config());
    write(file(update), content.encodePrettily().getBytes(StandardCharsets.UTF_8));
    return Outcome.STORED;
  }

  /**
   * Writes {@code bytes} to a temporary file beside {@code file}, then renames it over {@code file}.
   *
   * @throws IOException naming {@code file} (a full disk's error names no path of its own)
   */
  public static void write(Path file, byte[] bytes) throws IOException {
    try {
      Files.createDirectories(file.getParent());
      Path temp = Files.createTempFile(file.getParent(), "." + file.getFileName(), ".tmp");
      try {
        Files.write(temp, bytes);
        try {
          Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
        }
      } finally {
        Files.deleteIfExists(temp);
      }
    } catch (IOException e) {
      throw new IOException("cannot write " + file + ": " + e, e);
    }
  }

  /** Writes {@code bytes} only when {@code file} does not already hold them. @return true when it wrote */
  public static boolean writeIfChanged(Path file, byte[] bytes) throws IOException {
    if (Files.isRegularFile(file) && java.util.Arrays.equals(Files.readAllBytes(file), bytes)) {
      return false;
    }
    write(file, bytes);
    return true;
  }
}
