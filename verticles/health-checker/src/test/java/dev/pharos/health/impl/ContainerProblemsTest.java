package dev.pharos.health.impl;

import dev.pharos.stage.StageStatus;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Container problems replaced per host or app, and reported only when they change. */
class ContainerProblemsTest {

  private final StageStatus status = new StageStatus("health-checker", "n1");
  private final ContainerProblems problems = new ContainerProblems(status);

  @Test
  void aReconcileOfOneHostClearsOnlyThatHostsProblems() {
    problems.found("container a", "h1", "dev/x", "no definition at /env/dev/sd/x");
    problems.found("container b", "h1", "dev/y", "no definition at /env/dev/sd/y");
    problems.found("container c", "h2", "dev/x", "no definition at /env/dev/sd/x");
    problems.endRound(Catalog.Scope.ALL);
    assertEquals(Set.of("container a", "container b", "container c"), subjects());

    problems.found("container a", "h1", "dev/x", "no definition at /env/dev/sd/x");
    problems.endRound(new Catalog.Scope("h1", null));
    assertEquals(Set.of("container a", "container c"), subjects());

    // an app's definition arrived: its containers' problems go, on every host, the other app's stay
    problems.endRound(new Catalog.Scope(null, "dev/x"));
    assertEquals(Set.of(), subjects());
  }

  @Test
  void aKeptProblemStaysAndAFoundOneIsNotReportedAgain() {
    for (int i = 0; i < 150; i++) {
      problems.found("container " + i, "h1", "dev/x", "no definition at /env/dev/sd/x");
    }
    problems.endRound(Catalog.Scope.ALL);
    long dropped = status.toJson().getLong("problemsDropped");
    assertEquals(50, dropped);
    // the same 150 again, as a container event on h1 re-joins them: nothing new to report, so the
    // status's bound drops nothing more (it dropped 150 more before, one per problem re-reported)
    for (int i = 0; i < 150; i++) {
      problems.found("container " + i, "h1", "dev/x", "no definition at /env/dev/sd/x");
    }
    problems.endRound(new Catalog.Scope("h1", null));
    assertEquals(dropped, status.toJson().getLong("problemsDropped"));

    problems.keep("container 149");
    problems.endRound(new Catalog.Scope("h1", null));
    assertEquals(Set.of("container 149"), subjects());
  }

  private Set<String> subjects() {
    return status.toJson().getJsonArray("problems").stream().map(p -> ((JsonObject) p).getString("subject"))
      .collect(Collectors.toSet());
  }
}
