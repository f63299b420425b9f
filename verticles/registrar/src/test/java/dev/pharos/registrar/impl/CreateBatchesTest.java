package dev.pharos.registrar.impl;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.apache.zookeeper.KeeperException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Creates that come while others are on their way go together; a failed multi loses no answer. */
class CreateBatchesTest {

  /** A ZooKeeper whose answers the test gives, in the order asked. */
  private static final class Server {
    final List<CreateBatches.Create> singles = new ArrayList<>();
    final List<Promise<String>> singleAnswers = new ArrayList<>();
    final List<List<CreateBatches.Create>> multis = new ArrayList<>();
    final List<Promise<List<String>>> multiAnswers = new ArrayList<>();

    Future<String> single(CreateBatches.Create c) {
      singles.add(c);
      Promise<String> p = Promise.promise();
      singleAnswers.add(p);
      return p.future();
    }

    Future<List<String>> multi(List<CreateBatches.Create> batch) {
      multis.add(batch);
      Promise<List<String>> p = Promise.promise();
      multiAnswers.add(p);
      return p.future();
    }

    static List<String> named(List<CreateBatches.Create> batch) {
      return batch.stream().map(c -> c.path() + "0000000001").toList();
    }
  }

  @Test
  void aCreateAloneGoesAtOnceAndABurstGoesInOneMulti() {
    Server zk = new Server();
    CreateBatches batches = new CreateBatches(zk::single, zk::multi);
    List<Future<String>> alone = new ArrayList<>();
    for (int i = 0; i < CreateBatches.IN_FLIGHT; i++) {
      alone.add(batches.create("/sd/a" + i + "_", new byte[0]));
    }
    assertEquals(CreateBatches.IN_FLIGHT, zk.singles.size(), "as many as may be on their way at once go, each alone");
    List<Future<String>> burst = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      burst.add(batches.create("/sd/i" + i + "_", new byte[0]));
    }
    assertEquals(CreateBatches.IN_FLIGHT, zk.singles.size());
    assertTrue(zk.multis.isEmpty(), "the burst waits for a create on its way");
    zk.singleAnswers.get(0).complete("/sd/a0_0000000001");
    assertEquals("/sd/a0_0000000001", alone.get(0).result());
    assertEquals(List.of(CreateBatches.MAX_BATCH), zk.multis.stream().map(List::size).toList());
    for (int i = 1; i < CreateBatches.IN_FLIGHT; i++) {
      zk.singleAnswers.get(i).complete("/sd/a" + i + "_0000000001");
    }
    for (int i = 0; i < zk.multis.size(); i++) {
      zk.multiAnswers.get(i).complete(Server.named(zk.multis.get(i)));
    }
    assertEquals(List.of(200, 200, 100), zk.multis.stream().map(List::size).toList());
    for (int i = 0; i < 500; i++) {
      assertEquals("/sd/i" + i + "_0000000001", burst.get(i).result());
    }
    assertEquals(CreateBatches.IN_FLIGHT + 3, batches.requests(), "the burst of 500 in three requests");
  }

  private static void fillInFlight(CreateBatches batches) {
    for (int i = 0; i < CreateBatches.IN_FLIGHT; i++) {
      batches.create("/sd/a" + i + "_", new byte[0]);
    }
  }

  @Test
  void aMultiFailedForOneCreateSendsEachAgainAlone() {
    Server zk = new Server();
    CreateBatches batches = new CreateBatches(zk::single, zk::multi);
    fillInFlight(batches);
    Future<String> kept = batches.create("/sd/c_", new byte[0]);
    Future<String> gone = batches.create("/gone/d_", new byte[0]);
    zk.singleAnswers.get(0).complete("/sd/a0_0000000001");
    zk.multiAnswers.get(0).fail(new KeeperException.NoNodeException("/gone/d_"));
    int n = CreateBatches.IN_FLIGHT;
    assertEquals(List.of("/sd/c_", "/gone/d_"), zk.singles.subList(n, n + 2).stream().map(CreateBatches.Create::path).toList(),
      "each sent again alone");
    zk.singleAnswers.get(n).complete("/sd/c_0000000001");
    zk.singleAnswers.get(n + 1).fail(new KeeperException.NoNodeException("/gone/d_"));
    assertEquals("/sd/c_0000000001", kept.result());
    assertInstanceOf(KeeperException.NoNodeException.class, gone.cause());
  }

  @Test
  void aMultiWhoseReplyWasLostFailsEachOfItsCreatesWithThat() {
    Server zk = new Server();
    CreateBatches batches = new CreateBatches(zk::single, zk::multi);
    fillInFlight(batches);
    Future<String> c = batches.create("/sd/c_", new byte[0]);
    Future<String> d = batches.create("/sd/d_", new byte[0]);
    zk.singleAnswers.get(0).complete("/sd/a0_0000000001");
    zk.multiAnswers.get(0).fail(new KeeperException.ConnectionLossException());
    assertEquals(CreateBatches.IN_FLIGHT, zk.singles.size(), "never sent again blindly: it may have been applied");
    assertInstanceOf(KeeperException.ConnectionLossException.class, c.cause());
    assertInstanceOf(KeeperException.ConnectionLossException.class, d.cause());
  }
}
