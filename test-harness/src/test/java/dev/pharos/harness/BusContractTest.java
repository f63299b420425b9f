package dev.pharos.harness;

import dev.pharos.bus.Addresses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's bus table reads as a contract, and a message that strays from it is caught. */
class BusContractTest {

  private static JsonObject container() {
    return new JsonObject().put("id", "c1").put("name", "/web").put("image", "img").put("labels", new JsonObject())
      .put("ports", new JsonArray().add(new JsonObject().put("containerPort", 80).put("hostPort", 49161).put("proto", "tcp")))
      .put("networkMode", "bridge").put("hostname", "web").put("env", new JsonObject()).put("mounts", new JsonObject())
      .putNull("health").put("pid", 4242).put("addresses", new JsonObject().put("bridge", "172.17.0.2"));
  }

  private static JsonObject up() {
    return new JsonObject().put("type", "up").put("host", new JsonObject().put("id", "h1").put("ip", "10.0.0.5").putNull("network"))
      .put("container", container()).put("ts", 1L);
  }

  @Test
  void everyRowHasItsAddressesAndShapes() throws Exception {
    BusContract contract = BusContract.fromReadme();
    assertTrue(contract.rows().size() >= 19, contract.rows().toString());
    for (BusContract.Row row : contract.rows()) {
      assertFalse(row.patterns().isEmpty(), row.addresses());
      assertFalse(row.messages().isEmpty(), "no message shape for " + row.addresses());
      assertEquals(row.requestReply(), !row.replies().isEmpty(), "replies shaped exactly on request-reply rows: " + row.addresses());
    }
    assertNotNull(contract.row(Addresses.instancesSnapshot("member-1")));
    assertNotNull(contract.row(Addresses.status(Addresses.REGISTRAR)));
    assertEquals(contract.row(Addresses.STATUS).addresses(), "`pharos.status`");
  }

  @Test
  void aDocumentedMessageFitsAndAStrayOneIsNamed() throws Exception {
    BusContract.Row containers = BusContract.fromReadme().row(Addresses.CONTAINERS);
    assertNull(BusContract.mismatch(containers.messages(), up()));

    JsonObject extra = up();
    extra.getJsonObject("container").put("restartCount", 2);
    assertEquals(".container: undocumented [restartCount], missing []", BusContract.mismatch(containers.messages(), extra));

    JsonObject badType = up().put("type", "paused");
    assertTrue(BusContract.mismatch(containers.messages(), badType).contains("paused is not one of"));

    JsonObject missing = up();
    missing.getJsonObject("container").getJsonArray("ports").getJsonObject(0).remove("proto");
    assertEquals(".container.ports[0]: undocumented [], missing [proto]", BusContract.mismatch(containers.messages(), missing));
  }
}
