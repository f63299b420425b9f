package dev.pharos.bus;

import dev.pharos.model.Instance;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InstanceFilterTest {

  private static Instance instance(String env, String app) {
    return new Instance("h1-" + app, env, app, "h1", "c1", "10.0.0.1", 8080, new JsonObject(), new JsonObject());
  }

  @Test
  void anEmptyRequestPassesAllAndAFilterItsAppsAndEnvs() {
    assertTrue(InstanceFilter.of(new JsonObject()).passes(instance("dev", "web")));
    InstanceFilter web = InstanceFilter.of(new JsonObject().put("apps", new JsonArray().add("web")));
    assertTrue(web.passes(instance("prod", "web")));
    assertFalse(web.passes(instance("dev", "api")));
    InstanceFilter devWeb = new InstanceFilter(Set.of("web"), Set.of("dev"));
    assertFalse(devWeb.passes(instance("prod", "web")));
    assertEquals(devWeb, InstanceFilter.of(devWeb.into(new JsonObject())));
    assertEquals(new JsonObject(), InstanceFilter.ALL.into(new JsonObject()));
  }

  @Test
  void aFieldThatIsNotAListOfNamesIsAnErrorNamingIt() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
      () -> InstanceFilter.of(new JsonObject().put("apps", "web")));
    assertTrue(e.getMessage().startsWith("apps: "), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
      () -> InstanceFilter.of(new JsonObject().put("envs", new JsonArray().add(3))));
    assertTrue(e.getMessage().startsWith("envs: "), e.getMessage());
  }
}
