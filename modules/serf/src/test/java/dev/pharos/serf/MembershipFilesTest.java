package dev.pharos.serf;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MembershipFilesTest {

  private static Map<String, String> tags(String... kv) {
    Map<String, String> tags = new LinkedHashMap<>();
    for (int i = 0; i + 1 < kv.length; i += 2) {
      tags.put(kv[i], kv[i + 1]);
    }
    return tags;
  }

  private static final List<SerfMember> MEMBERS = List.of(
    new SerfMember("web-2", "10.0.0.2", 7946, tags("role", "web", "web", "8080", "products", "shop", "timestamp", "200"), "alive"),
    new SerfMember("web-1", "10.0.0.1", 7946, tags("role", "web,api", "web", "8080", "api", "9000", "products", "shop,blog",
      "timestamp", "100"), "alive"),
    new SerfMember("db-1", "10.0.0.3", 7946, tags("role", "db", "db", "5432"), "alive"),
    new SerfMember("gone", "10.0.0.9", 7946, tags("role", "db", "timestamp", "1"), "left"));

  @Test
  void servicesAreIndexedByNodeServiceAndProduct() {
    JsonObject doc = MembershipFiles.services(MEMBERS);
    assertEquals(List.of("db-1", "web-1", "web-2"), List.copyOf(doc.getJsonObject("nodes").fieldNames()), "alive only");
    assertEquals(2, doc.getJsonObject("services").getJsonArray("web").size());
    assertEquals(new JsonObject().put("node", "web-1").put("ip", "10.0.0.1").put("port", 9000),
      doc.getJsonObject("services").getJsonArray("api").getJsonObject(0));
    assertEquals(List.of("api", "web"), List.copyOf(doc.getJsonObject("products").getJsonObject("shop").fieldNames()));
    assertTrue(MembershipFiles.servicesYaml(MEMBERS).contains("web-1:"), MembershipFiles.servicesYaml(MEMBERS));
  }

  @Test
  void theOldestMemberOfARoleWinsItsHostsLine() {
    assertEquals(List.of("10.0.0.1 api", "10.0.0.3 db", "10.0.0.1 web"), MembershipFiles.hostLines(MEMBERS));
  }

  @Test
  void theHostsBlockIsReplacedAndTheRestKept() {
    String first = MembershipFiles.hostsFile("127.0.0.1 localhost\n", List.of("10.0.0.1 web"));
    assertEquals("127.0.0.1 localhost\n" + MembershipFiles.BLOCK_BEGIN + "\n10.0.0.1 web\n" + MembershipFiles.BLOCK_END + "\n", first);
    String second = MembershipFiles.hostsFile(first + "10.9.9.9 mine\n", List.of("10.0.0.2 web"));
    assertEquals("127.0.0.1 localhost\n" + MembershipFiles.BLOCK_BEGIN + "\n10.0.0.2 web\n" + MembershipFiles.BLOCK_END
      + "\n10.9.9.9 mine\n", second);
  }

  @Test
  void aRoleThatWouldInjectALineIsLeftOutAndReported() {
    List<SerfMember> members = List.of(new SerfMember("evil", "10.0.0.5", 7946,
      tags("role", "web\n6.6.6.6 bank,ok", "products", "a b"), "alive"));
    assertEquals(List.of("10.0.0.5 ok"), MembershipFiles.hostLines(members));
    List<MembershipFiles.Problem> problems = MembershipFiles.problems(members);
    assertEquals(2, problems.size(), problems.toString());
    assertTrue(problems.get(0).reason().contains("role") && !problems.get(0).reason().contains("\n"));
  }
}
