package dev.pharos.launcher;

import dev.pharos.PharosConfig;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code verticles.<stage>.instances}: 0 turns a stage off; an impossible count is one clear error naming the key. */
class StageCountTest {

  @Test
  void zeroTurnsAStageOffAndAMissingCountIsOne() {
    assertEquals(0, PharosConfig.instances("registrar", new JsonObject().put("instances", 0)));
    assertEquals(1, PharosConfig.instances("registrar", new JsonObject()));
    assertEquals(Set.of("api"), PharosConfig.stages(new JsonObject().put("verticles", new JsonObject()
      .put("api", new JsonObject()).put("registrar", new JsonObject().put("instances", 0)))));
  }

  @Test
  void impossibleCountsNameTheKey() {
    IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
      () -> PharosConfig.instances("health-checker", new JsonObject().put("instances", -1)));
    assertTrue(negative.getMessage().startsWith("verticles.health-checker.instances: "), negative.getMessage());
    IllegalArgumentException text = assertThrows(IllegalArgumentException.class,
      () -> PharosConfig.instances("registrar", new JsonObject().put("instances", "two")));
    assertTrue(text.getMessage().contains("verticles.registrar.instances"), text.getMessage());
  }

  @Test
  void anImpossibleConfFailsBeforeAnyServerStarts() {
    JsonObject conf = PharosConfig.resolve(new JsonObject().put("verticles", new JsonObject()
      .put("registrar", new JsonObject().put("instances", -2))), Map.of());
    Exception e = assertThrows(Exception.class, () -> Pharos.start(conf).await(10, TimeUnit.SECONDS));
    assertTrue(e.getMessage().contains("verticles.registrar.instances"), e.getMessage());
    JsonObject unknown = PharosConfig.resolve(new JsonObject().put("verticles", new JsonObject()
      .put("registar", new JsonObject())), Map.of());
    Exception e2 = assertThrows(Exception.class, () -> Pharos.start(unknown).await(10, TimeUnit.SECONDS));
    assertTrue(e2.getMessage().contains("verticles.registar: unknown stage"), e2.getMessage());
  }
}
