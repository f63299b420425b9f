package dev.pharos.harness;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** An end-to-end test: a fresh {@link Harness} (its own ZooKeeper chroot) per test, closed after it. */
abstract class EndToEndTest {

  protected Harness harness;

  @BeforeEach
  void openHarness() throws Exception {
    harness = new Harness();
  }

  @AfterEach
  void closeHarness() throws Exception {
    harness.close();
  }
}
