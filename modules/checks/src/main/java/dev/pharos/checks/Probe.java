package dev.pharos.checks;

import io.vertx.core.Future;

/** One prepared check: runs it once on Vert.x's non-blocking clients, never blocking its thread. */
@FunctionalInterface
public interface Probe {

  /**
   * @param timeoutMs the check's whole deadline: the caller fails the run when it passes, so a
   *                  probe uses it to bound what it opens (connections it must close)
   * @return succeeds with what was seen ("http 200") when the check passes, fails with why not
   */
  Future<String> run(CheckContext context, CheckTarget target, long timeoutMs);
}
