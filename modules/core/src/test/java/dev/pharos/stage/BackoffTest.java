package dev.pharos.stage;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class BackoffTest {

  @Test
  void doublesUpToTheCapAndStartsOverAfterAReset() {
    Backoff b = new Backoff(200, 1000);
    assertEquals(200, b.next());
    assertEquals(400, b.next());
    assertEquals(800, b.next());
    assertEquals(1000, b.next());
    assertEquals(1000, b.next());
    b.reset();
    assertEquals(200, b.next());
  }
}
