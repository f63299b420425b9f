package dev.pharos.zookeeper;

import dev.pharos.ownership.Member;
import dev.pharos.ownership.Ownership;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** A member's view of its group across its session's expiry: not ready while the view is of the old session. */
@ExtendWith(VertxExtension.class)
class StageMembershipTest {

  private TestZooKeeper zooKeeper;
  private TestingServer server;
  private CuratorFramework client;

  @BeforeEach
  void start() throws Exception {
    zooKeeper = new TestZooKeeper();
    server = zooKeeper.server;
    client = zooKeeper.client;
  }

  @AfterEach
  void stop() throws Exception {
    zooKeeper.close();
  }

  private static boolean on(Context context, java.util.function.BooleanSupplier check) throws Exception {
    LinkedBlockingQueue<Boolean> answer = new LinkedBlockingQueue<>();
    context.runOnContext(v -> answer.add(check.getAsBoolean()));
    Boolean got = answer.poll(5, TimeUnit.SECONDS);
    return got != null && got;
  }

  private long sessionId() {
    try {
      return client.getZookeeperClient().getZooKeeper().getSessionId();
    } catch (Exception e) {
      return 0;
    }
  }

  @Test
  void afterItsSessionExpiredAMemberIsReadyOnlyOnceTheGroupShowsItsNewSession(Vertx vertx) throws Exception {
    Context context = vertx.getOrCreateContext();
    LinkedBlockingQueue<Ownership> changes = new LinkedBlockingQueue<>();
    StageMembership membership = new StageMembership(client, "g", "registrar", new Member("r1", "n1", "h1", 0), context,
      changes::add);
    membership.start().await(20, TimeUnit.SECONDS);
    assertTrue(on(context, membership::ready));
    long session = client.getZookeeperClient().getZooKeeper().getSessionId();
    changes.clear();
    client.getZookeeperClient().getZooKeeper().getTestable().injectSessionExpiration();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    boolean back = false;
    while (!back && System.nanoTime() < deadline) {
      changes.poll(500, TimeUnit.MILLISECONDS); // each change of the view, or a look every half second
      back = on(context, () -> {
        long now = sessionId();
        Member mine = membership.current().member("r1");
        return now != session && mine != null && mine.session() == now && membership.ready();
      });
    }
    assertTrue(back, "the group read again under the new session, and the member ready in it");
    vertx.executeBlocking(() -> {
      membership.close();
      return null;
    }).await(10, TimeUnit.SECONDS);
  }
}
