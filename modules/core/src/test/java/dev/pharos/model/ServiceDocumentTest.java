package dev.pharos.model;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ServiceDocumentTest {

  /** The seed's example document, verbatim. */
  private static final String SEED = """
    {
      "id": "13532987eae2831eb7d41f38172cb82db668b3c72d10f513551026b2525e634f",
      "host": "fury",
      "ipaddress": "192.168.13.90",
      "env": {
        "ENVIRONMENT": "prod",
        "NAME": "apache",
        "HOME": "/",
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "APACHE_RUN_USER": "www-data",
        "APACHE_RUN_GROUP": "www-data",
        "APACHE_LOG_DIR": "/var/log/apache2"
      },
      "tags": [],
      "name": "/trusting_shockley",
      "image": "eboraas/apache",
      "hostname": "13532987eae2",
      "host_port": "49161",
      "proto": "tcp",
      "port": "80",
      "path": "/services/prod/apache/80/49161/13532987eae2"
    }""";

  private static ServiceDocument.Endpoint endpoint(String json) {
    return ServiceDocument.endpoint(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void theSeedsDocumentYieldsItsEndpoint() {
    ServiceDocument.Endpoint e = endpoint(SEED);
    assertEquals("192.168.13.90:49161", e.address());
    assertEquals(Set.of(), e.tags());
  }

  @Test
  void aNumericHostPortAndTagsAreRead() {
    ServiceDocument.Endpoint e = endpoint("{\"ipaddress\":\"10.0.0.1\",\"host_port\":8080,\"tags\":[\"prod\",\"stats\"]}");
    assertEquals("10.0.0.1:8080", e.address());
    assertEquals(Set.of("prod", "stats"), e.tags());
  }

  @Test
  void malformedDocumentsAreRefusedNamingTheField() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> endpoint("{\"host_port\":\"1\"}")).getMessage().contains("ipaddress"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> endpoint("{\"ipaddress\":\"a\"}")).getMessage().contains("host_port"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> endpoint("{\"ipaddress\":\"a\",\"host_port\":\"http\"}")).getMessage().contains("host_port"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> endpoint("{\"ipaddress\":\"a\",\"host_port\":70000}")).getMessage().contains("out of range"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> endpoint("not json")).getMessage().startsWith("not JSON"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> endpoint("[1]")).getMessage().contains("object"));
  }

  @Test
  void aContainersDocumentHasTheSeedsFieldsInItsOrder() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PATH", "/bin");
    Container c = new Container("13532987eae2831eb7d4", "trusting_shockley", "eboraas/apache",
      Map.of(Container.LABEL_TAGS, "stats, prod ,"), List.of(), "bridge", "13532987eae2", env);
    JsonObject doc = ServiceDocument.of(new Host("fury", "192.168.13.90"), c, "prod", "apache", 80, 49161, "tcp");
    assertEquals(List.of("id", "host", "ipaddress", "env", "tags", "name", "image", "hostname", "host_port", "proto", "port", "path"),
      List.copyOf(doc.fieldNames()));
    assertEquals("/services/prod/apache/80/49161/13532987eae2", doc.getString("path"));
    assertEquals("/trusting_shockley", doc.getString("name"));
    assertEquals("49161", doc.getString("host_port"));
    assertEquals(List.of("prod", "stats"), doc.getJsonArray("tags").getList());
    assertEquals("/bin", doc.getJsonObject("env").getString("PATH"));
    assertEquals("192.168.13.90:49161", ServiceDocument.endpoint(doc.toBuffer().getBytes()).address());
  }
}
