package dev.pharos.registrar.impl;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class NerveZooKeeperReporterTest {

  /**
   * After a create that did not wait for its listing, only the instance's znodes made before it
   * go: the one created, and one a newer owner made after it (a listing answered late shows it),
   * stay.
   */
  @Test
  void aCreateThatDidNotWaitForItsListingRemovesOnlyOlderZnodes() {
    String parent = "/env/dev/sd/web/sd/h1-a_";
    assertEquals(List.of(parent + "0000000007"), NerveZooKeeperReporter.olderThan(
      List.of(parent + "0000000007", parent + "0000000012", parent + "0000000013"), parent + "0000000012"));
    assertEquals(List.of(), NerveZooKeeperReporter.olderThan(List.of(parent + "0000000012"), parent + "0000000012"));
  }
}
