package dev.pharos.ownership;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OwnershipTest {

  private static Member member(String id, String affinity) {
    return new Member(id, "node-" + id, affinity, 1);
  }

  @Test
  void aHostsOwnMemberOwnsItsInstances() {
    Ownership o = new Ownership(List.of(member("a", "host-a"), member("b", "host-b"), member("c", null)));
    for (int i = 0; i < 100; i++) {
      assertEquals("a", o.owner("host-a", "host-a-" + i).id());
      assertEquals("b", o.owner("host-b", "host-b-" + i).id());
    }
  }

  @Test
  void instancesOfAHostWithoutOwnerAreDividedAmongAllMembers() {
    Ownership o = new Ownership(List.of(member("a", "host-a"), member("b", null), member("c", null)));
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 3000; i++) {
      counts.merge(o.owner("host-z", "host-z-" + i).id(), 1, Integer::sum);
    }
    assertEquals(3, counts.size());
    counts.values().forEach(n -> assertTrue(n > 800 && n < 1200, "a fair share each: " + counts));
  }

  @Test
  void severalMembersWithOneAffinityDivideThatHost() {
    Ownership o = new Ownership(List.of(member("a1", "host-a"), member("a2", "host-a"), member("b", null)));
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 1000; i++) {
      counts.merge(o.owner("host-a", "host-a-" + i).id(), 1, Integer::sum);
    }
    assertEquals(2, counts.size(), "b takes none of host-a's: " + counts);
  }

  @Test
  void aMemberLeavingMovesOnlyItsOwnShare() {
    List<Member> all = new ArrayList<>(List.of(member("a", null), member("b", null), member("c", null), member("d", null)));
    Ownership before = new Ownership(all);
    all.remove(1);
    Ownership after = new Ownership(all);
    int moved = 0;
    for (int i = 0; i < 2000; i++) {
      String id = "x-" + i;
      String was = before.owner("h", id).id();
      String now = after.owner("h", id).id();
      if (!was.equals(now)) {
        assertEquals("b", was, "only b's instances move");
        moved++;
      }
    }
    assertTrue(moved > 300 && moved < 700, "about a quarter moves: " + moved);
  }

  @Test
  void theSameMembersInAnyOrderGiveTheSameOwners() {
    Ownership one = new Ownership(List.of(member("a", null), member("b", null), member("c", null)));
    Ownership two = new Ownership(List.of(member("c", null), member("a", null), member("b", null)));
    for (int i = 0; i < 200; i++) {
      assertEquals(one.owner("h", "i" + i), two.owner("h", "i" + i));
    }
    assertEquals(one, Ownership.fromJson(two.toJson()));
  }

  @Test
  void noMembersNoOwner() {
    assertNull(Ownership.empty().owner("h", "i"));
  }

  /** Nodes of different versions must agree on owners: the hash is FNV-1a of the id's UTF-8 bytes, whatever the id. */
  @Test
  void theHashIsFnv1aOfTheUtf8Bytes() {
    assertEquals(0xcbf29ce484222325L, Ownership.hash(""));
    assertEquals(0xaf63dc4c8601ec8cL, Ownership.hash("a"));
    assertEquals(0x85944171f73967e8L, Ownership.hash("foobar"));
    long h = 0xcbf29ce484222325L;
    for (byte b : "hôte-é-1".getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
      h = (h ^ (b & 0xff)) * 0x100000001b3L;
    }
    assertEquals(h, Ownership.hash("hôte-é-1"));
  }
}
