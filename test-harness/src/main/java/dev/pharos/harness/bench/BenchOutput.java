package dev.pharos.harness.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A benchmark's table: printed, and written where run.sh picks it up for the README ({@code bench.out}). */
final class BenchOutput {

  private BenchOutput() {
  }

  static void publish(String name, String table) throws IOException {
    System.out.println(table);
    Path out = Path.of(System.getProperty("bench.out", "bench/results/" + name + ".md"));
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, table);
  }
}
