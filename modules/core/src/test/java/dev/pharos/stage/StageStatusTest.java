package dev.pharos.stage;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class StageStatusTest {

  private static List<String> subjects(StageStatus status) {
    JsonArray problems = status.toJson().getJsonArray("problems");
    return problems.stream().map(p -> ((JsonObject) p).getString("subject")).sorted().toList();
  }

  @Test
  void problemsOfChurningSubjectsStayBoundedDroppingTheOldest() {
    StageStatus status = new StageStatus("test", "n", 3);
    for (int i = 0; i < 10; i++) {
      status.problem("container c" + i, "bad label");
    }
    assertEquals(List.of("container c7", "container c8", "container c9"), subjects(status));
    assertEquals(7L, status.toJson().getLong("problemsDropped"));
    // an updated reason is no new problem: nothing more is dropped
    status.problem("container c8", "another reason");
    assertEquals(7L, status.toJson().getLong("problemsDropped"));
  }

  @Test
  void theDefaultBoundHolds() {
    StageStatus status = new StageStatus("test", "n");
    for (int i = 0; i < StageStatus.MAX_PROBLEMS * 3; i++) {
      status.problem("registration i" + i, "write failed");
    }
    assertEquals(StageStatus.MAX_PROBLEMS, subjects(status).size());
  }

  @Test
  void aWholeSetPastTheBoundKeepsWhatItShowsAndCountsTheRest() {
    StageStatus status = new StageStatus("test", "n", 3);
    Map<String, String> descriptors = new java.util.TreeMap<>();
    for (int i = 0; i < 5; i++) {
      descriptors.put("descriptor d" + i, "no such service");
    }
    status.replaceProblems("descriptor ", descriptors);
    List<String> shown = subjects(status);
    assertEquals(3, shown.size());
    assertEquals(2, status.toJson().getInteger("problemsNotShown"));
    // the same set again (a store changed elsewhere): the same three, nothing dropped or logged anew
    status.replaceProblems("descriptor ", descriptors);
    assertEquals(shown, subjects(status));
    assertEquals(0L, status.toJson().getLong("problemsDropped"));
    // one shown is fixed: a waiting one takes its room
    descriptors.remove(shown.get(0));
    status.replaceProblems("descriptor ", descriptors);
    assertEquals(3, subjects(status).size());
    assertEquals(1, status.toJson().getInteger("problemsNotShown"));
    status.replaceProblems("descriptor ", Map.of());
    assertEquals(0, status.toJson().getInteger("problemsNotShown"));
  }

  @Test
  void clearAllRemovesOnlyTheSubjectsUnderThePrefix() {
    StageStatus status = new StageStatus("test", "n");
    status.problem("fifo /srv/a/parent", "cannot open");
    status.problem("fifo /srv/a/parent last dropped line", "not json");
    status.problem("fifo /srv/ab/parent", "cannot open");
    status.problem("agent", "down");
    status.clearAll("fifo /srv/a/parent");
    assertEquals(List.of("agent", "fifo /srv/ab/parent"), subjects(status));
    status.replaceProblems("fifo ", Map.of());
    assertEquals(List.of("agent"), subjects(status));
  }
}
