package dev.pharos.registrar.impl;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class NerveZooKeeperReporterTest {

  @Test
  void aTransactionsCreatedPathLosesTheChroot() {
    assertEquals("/env/dev/sd/web/sd/h1-aaa_0000000003",
      NerveZooKeeperReporter.unchrooted("/pharos-test-1/env/dev/sd/web/sd/h1-aaa_0000000003", "/env/dev/sd/web/sd/h1-aaa_"));
    assertEquals("/env/dev/sd/web/sd/h1-aaa_0000000003",
      NerveZooKeeperReporter.unchrooted("/env/dev/sd/web/sd/h1-aaa_0000000003", "/env/dev/sd/web/sd/h1-aaa_"));
  }
}
