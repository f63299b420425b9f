package dev.pharos.registrar.impl;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.apache.zookeeper.KeeperException;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Registration creates, sent as ZooKeeper multis when they come faster than ZooKeeper answers.
 * A create with none on its way goes at once, alone; those that arrive while {@link #IN_FLIGHT}
 * are on their way go together in the next one, up to {@link #MAX_BATCH}. When a registrar takes
 * over a crashed node's share, a thousand creates cost some tens of requests, each one
 * transaction and one reply, instead of a thousand: on a busy host ZooKeeper's and the client's
 * per-request work is most of a create's.
 *
 * <p>A multi is all or nothing: when one fails for one create's reason (its service gone), its
 * creates are sent again one by one, each for its own answer. A lost connection fails each of
 * its creates with that error (the caller then finds out which were applied). Used on its
 * owner's context only.
 */
final class CreateBatches {

  static final int IN_FLIGHT = 4;
  static final int MAX_BATCH = 200;

  /** One ephemeral-sequential create: the path as asked, its data, and the name it was given. */
  record Create(String path, byte[] data, Promise<String> created) {
  }

  private final Function<Create, Future<String>> single;
  private final Function<List<Create>, Future<List<String>>> multi;
  private final ArrayDeque<Create> queued = new ArrayDeque<>();
  private int inFlight;
  private long requests;

  /**
   * @param single one create, completing on the owner's context with the created name
   * @param multi  one multi of creates, completing on the owner's context with each created
   *               name in order, or failing as a whole with the failed op's KeeperException
   */
  CreateBatches(Function<Create, Future<String>> single, Function<List<Create>, Future<List<String>>> multi) {
    this.single = single;
    this.multi = multi;
  }

  /** Creates {@code path} (ephemeral-sequential) with {@code data}: the created name. */
  Future<String> create(String path, byte[] data) {
    Create create = new Create(path, data, Promise.promise());
    queued.add(create);
    send();
    return create.created().future();
  }

  private void send() {
    while (inFlight < IN_FLIGHT && !queued.isEmpty()) {
      List<Create> batch = new ArrayList<>();
      while (batch.size() < MAX_BATCH && !queued.isEmpty()) {
        batch.add(queued.poll());
      }
      inFlight++;
      requests++;
      Future<?> sent = batch.size() == 1 ? alone(batch.get(0)) : together(batch);
      sent.onComplete(done -> {
        inFlight--;
        send();
      });
    }
  }

  private Future<String> alone(Create create) {
    return single.apply(create).onComplete(create.created());
  }

  /** Completes when every create of the batch has its answer (those sent again alone included). */
  private Future<Void> together(List<Create> batch) {
    return multi.apply(batch).transform(sent -> {
      if (sent.succeeded()) {
        for (int i = 0; i < batch.size(); i++) {
          batch.get(i).created().complete(sent.result().get(i));
        }
        return Future.succeededFuture();
      }
      Throwable err = sent.cause();
      if (err instanceof KeeperException.ConnectionLossException || err instanceof KeeperException.SessionExpiredException
        || !(err instanceof KeeperException)) {
        batch.forEach(c -> c.created().fail(err)); // perhaps applied: each caller looks
        return Future.succeededFuture();
      }
      List<Future<String>> again = new ArrayList<>();
      batch.forEach(c -> {
        requests++;
        again.add(alone(c));
      });
      return Future.join(again).mapEmpty();
    });
  }

  /** Requests sent so far (a multi counts one). */
  long requests() {
    return requests;
  }
}
