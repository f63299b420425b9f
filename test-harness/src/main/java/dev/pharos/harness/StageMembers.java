package dev.pharos.harness;

import dev.pharos.ownership.Member;
import dev.pharos.ownership.Ownership;
import dev.pharos.zookeeper.StageMembership;
import io.vertx.core.json.JsonObject;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A stage's members as ZooKeeper has them ({@code /pharos/members/<group>/<stage>}), each with
 * its session: who owns an instance, read the way the stages read it (tests and benchmarks).
 */
public final class StageMembers {

  private StageMembers() {
  }

  /** The live members of {@code stage} in {@code group}, with their sessions. */
  public static Ownership of(CuratorFramework zk, String group, String stage) throws Exception {
    String parent = StageMembership.ROOT + "/" + group + "/" + stage;
    List<Member> members = new ArrayList<>();
    List<String> children;
    try {
      children = zk.getChildren().forPath(parent);
    } catch (KeeperException.NoNodeException e) {
      return Ownership.empty();
    }
    for (String child : children) {
      Stat stat = new Stat();
      try {
        byte[] data = zk.getData().storingStatIn(stat).forPath(parent + "/" + child);
        Member read = Member.fromJson(new JsonObject(new String(data, StandardCharsets.UTF_8)));
        members.add(new Member(read.id(), read.node(), read.affinity(), stat.getEphemeralOwner()));
      } catch (KeeperException.NoNodeException gone) {
        // left between the listing and the read
      }
    }
    return new Ownership(members);
  }

  /** Node name to the ZooKeeper session of its process. */
  public static Map<String, Long> sessions(Ownership members) {
    Map<String, Long> sessions = new HashMap<>();
    members.members().forEach(m -> sessions.put(m.node(), m.session()));
    return sessions;
  }
}
