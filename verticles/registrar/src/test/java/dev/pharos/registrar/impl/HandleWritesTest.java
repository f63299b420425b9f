package dev.pharos.registrar.impl;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class HandleWritesTest {

  @Test
  void aTransactionsCreatedPathLosesTheChroot() {
    assertEquals("/env/dev/sd/web/sd/h1-aaa_0000000003",
      HandleWrites.unchrooted("/pharos-test-1/env/dev/sd/web/sd/h1-aaa_0000000003", "/env/dev/sd/web/sd/h1-aaa_"));
    assertEquals("/env/dev/sd/web/sd/h1-aaa_0000000003",
      HandleWrites.unchrooted("/env/dev/sd/web/sd/h1-aaa_0000000003", "/env/dev/sd/web/sd/h1-aaa_"));
  }
}
