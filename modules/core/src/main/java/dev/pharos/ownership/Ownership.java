package dev.pharos.ownership;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * Who owns an instance among the live members of one stage. Host affinity first, as Nerve and
 * registrator work: members whose node watches the instance's Docker host own it. Instances of
 * a host with no such member are divided among all members by rendezvous (highest random
 * weight) hashing, so a member joining or leaving moves only its own share.
 *
 * <p>Immutable; every member of a stage computes the same owner from the same member set.
 */
public final class Ownership {

  private final List<Member> members;
  /** Each member's id hashed once: an owner is asked for every instance on each reconcile. */
  private final long[] memberHashes;

  public Ownership(Collection<Member> members) {
    this.members = members.stream().sorted(Comparator.comparing(Member::id)).toList();
    this.memberHashes = new long[this.members.size()];
    for (int i = 0; i < memberHashes.length; i++) {
      memberHashes[i] = hash(this.members.get(i).id());
    }
  }

  public static Ownership empty() {
    return new Ownership(List.of());
  }

  public List<Member> members() {
    return members;
  }

  public boolean isEmpty() {
    return members.isEmpty();
  }

  /** The owner of instance {@code instanceId} of Docker host {@code hostId}; null when there are no members. */
  public Member owner(String hostId, String instanceId) {
    boolean affine = false;
    for (Member m : members) {
      affine |= m.affinity() != null && m.affinity().equals(hostId);
    }
    long key = hash(instanceId);
    Member best = null;
    long bestScore = 0;
    for (int i = 0; i < memberHashes.length; i++) {
      Member m = members.get(i);
      if (affine && (m.affinity() == null || !m.affinity().equals(hostId))) {
        continue; // the host's own members are the only candidates
      }
      long score = mix(memberHashes[i] ^ key);
      if (best == null || Long.compareUnsigned(score, bestScore) > 0) {
        best = m;
        bestScore = score;
      }
    }
    return best;
  }

  /** True when the member {@code memberId} owns the instance. */
  public boolean owns(String memberId, String hostId, String instanceId) {
    Member owner = owner(hostId, instanceId);
    return owner != null && owner.id().equals(memberId);
  }

  public Member member(String id) {
    for (Member m : members) {
      if (m.id().equals(id)) {
        return m;
      }
    }
    return null;
  }

  public JsonArray toJson() {
    JsonArray list = new JsonArray();
    members.forEach(m -> list.add(m.toJson()));
    return list;
  }

  public static Ownership fromJson(JsonArray json) {
    List<Member> list = new ArrayList<>();
    json.forEach(m -> list.add(Member.fromJson((JsonObject) m)));
    return new Ownership(list);
  }

  /** FNV-1a over the UTF-8 bytes, 64 bits: stable across JVMs, unlike String.hashCode's 32 bits. */
  static long hash(String s) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 0x80) {
        return hashBytes(s); // ids are ASCII; anything else is encoded first, to the same result
      }
      h ^= c;
      h *= 0x100000001b3L;
    }
    return h;
  }

  private static long hashBytes(String s) {
    long h = 0xcbf29ce484222325L;
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    return h;
  }

  /** SplitMix64's finaliser: spreads the combined hashes so each member's weight looks independent. */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Ownership other && other.members.equals(members);
  }

  @Override
  public int hashCode() {
    return members.hashCode();
  }
}
