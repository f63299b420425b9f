package dev.pharos.model;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class NerveRegistrationTest {

  private static Definition definition(Integer weight, String options, JsonObject labels) {
    return new Definition("dev", "web", "/env/dev/sd/web", 1, 1000, List.of(), weight, options, labels);
  }

  @Test
  void writesNervesBytesInNervesOrder() {
    JsonObject data = NerveRegistration.data("10.0.0.5", 32768, "host1-abc", definition(null, null, null));
    assertEquals("{\"host\":\"10.0.0.5\",\"port\":32768,\"name\":\"host1-abc\"}", data.encode());
  }

  @Test
  void addsWeightOptionsAndLabelsWhenDefined() {
    JsonObject data = NerveRegistration.data("10.0.0.5", 80, "h-1",
      definition(0, "check inter 2s", new JsonObject().put("zone", "a")));
    assertEquals("{\"host\":\"10.0.0.5\",\"port\":80,\"name\":\"h-1\",\"weight\":0,"
      + "\"haproxy_server_options\":\"check inter 2s\",\"labels\":{\"zone\":\"a\"}}", data.encode());
  }

  @Test
  void namesTheNodeLikeNerve() {
    assertEquals("h-1_", NerveRegistration.nodePrefix("h-1"));
  }
}
