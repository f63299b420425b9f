package dev.pharos.health.impl;

import dev.pharos.stage.StageStatus;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Container problems replaced per host or app, and reported only when they change. */
class ContainerProblemsTest {

  private final StageStatus status = new StageStatus("health-checker", "n1");
  private final ContainerProblems problems = new ContainerProblems(status);

  @Test
  void aReconcileOfOneHostClearsOnlyThatHostsProblems() {
    problems.found("container a", "h1", "dev/x", "c-a", "no definition at /env/dev/sd/x");
    problems.found("container b", "h1", "dev/y", "c-b", "no definition at /env/dev/sd/y");
    problems.found("container c", "h2", "dev/x", "c-c", "no definition at /env/dev/sd/x");
    problems.endRound(Catalog.Scope.ALL);
    assertEquals(Set.of("container a", "container b", "container c"), subjects());

    problems.found("container a", "h1", "dev/x", "c-a", "no definition at /env/dev/sd/x");
    problems.endRound(new Catalog.Scope("h1", null));
    assertEquals(Set.of("container a", "container c"), subjects());

    // a container event on h1 reconciles that container only: the others' problems stay
    problems.endRound(new Catalog.Scope("h1", null, "c-z"));
    assertEquals(Set.of("container a", "container c"), subjects());

    // container c went: its problem goes, a's on h1 stays
    problems.endRound(new Catalog.Scope("h2", null, "c-c"));
    assertEquals(Set.of("container a"), subjects());

    // an app's definition arrived: its containers' problems go, on every host, the other app's stay
    problems.found("container c", "h2", "dev/x", "c-c", "no definition at /env/dev/sd/x");
    problems.found("container d", "h2", "dev/y", "c-d", "no definition at /env/dev/sd/y");
    problems.endRound(new Catalog.Scope("h2", null));
    problems.endRound(new Catalog.Scope(null, "dev/x"));
    assertEquals(Set.of("container d"), subjects());
  }

  @Test
  void aKeptProblemStaysAndAFoundOneIsNotReportedAgain() {
    for (int i = 0; i < 150; i++) {
      problems.found("container " + i, "h1", "dev/x", "c-" + i, "no definition at /env/dev/sd/x");
    }
    problems.endRound(Catalog.Scope.ALL);
    long dropped = status.toJson().getLong("problemsDropped");
    assertEquals(50, dropped);
    // the same 150 again, as a container event on h1 re-joins them: nothing new to report, so the
    // status's bound drops nothing more (it dropped 150 more before, one per problem re-reported)
    for (int i = 0; i < 150; i++) {
      problems.found("container " + i, "h1", "dev/x", "c-" + i, "no definition at /env/dev/sd/x");
    }
    problems.endRound(new Catalog.Scope("h1", null));
    assertEquals(dropped, status.toJson().getLong("problemsDropped"));

    problems.keep("container 149");
    problems.endRound(new Catalog.Scope("h1", null));
    assertEquals(Set.of("container 149"), subjects());
  }

  @Test
  void problemsDroppedPastTheBoundComeBackAsOthersClear() {
    for (int i = 0; i < 150; i++) {
      problems.found("container " + i, "h" + i, "dev/x", "c-" + i, "no definition at /env/dev/sd/x");
    }
    problems.endRound(Catalog.Scope.ALL);
    assertEquals(100, subjects().size());
    // the 100 shown are fixed (their hosts' snapshots find them gone): the 50 dropped take their room
    for (int i = 0; i < 150; i++) {
      if (!status.has("container " + i)) {
        continue;
      }
      problems.beginRound();
      problems.endRound(new Catalog.Scope("h" + i, null));
    }
    assertEquals(50, subjects().size());
    for (int i = 0; i < 50; i++) {
      assertTrue(subjects().contains("container " + i), "container " + i);
    }
  }

  @Test
  void aReconcileThatThrewLeavesNothingCountedForTheNext() {
    problems.found("container a", "h1", "dev/x", "c-a", "no definition at /env/dev/sd/x");
    // that reconcile threw before its end; the next one of h1 no longer finds a
    problems.beginRound();
    problems.endRound(new Catalog.Scope("h1", null));
    assertEquals(Set.of(), subjects());
  }

  private Set<String> subjects() {
    return status.toJson().getJsonArray("problems").stream().map(p -> ((JsonObject) p).getString("subject"))
      .collect(Collectors.toSet());
  }
}
