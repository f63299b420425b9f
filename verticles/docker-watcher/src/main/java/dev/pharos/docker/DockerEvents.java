package dev.pharos.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.EventType;
import dev.pharos.stage.Backoff;
import io.reactivex.rxjava3.core.BackpressureStrategy;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.disposables.Disposable;
import io.vertx.core.Context;
import io.vertx.rxjava3.core.RxHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * dockerd's container events and its networks' connect and disconnect, followed until {@link #stop()}: each broken connection is retried
 * with capped backoff, and so is the whole subscription should it ever end (a bug in a handler),
 * so nothing ends event following for good. Listener calls run on the owning context.
 */
final class DockerEvents {

  private static final Logger LOG = LoggerFactory.getLogger(DockerEvents.class);

  interface Listener {
    /** The stream is open (again): time to resync, as events meanwhile were missed. */
    void opened();

    void event(Event event);

    /** The stream broke or ended; it is followed again in {@code retryMs}. */
    void broken(Throwable err, long retryMs);
  }

  private final DockerClient docker;
  private final Context context;
  private final Listener listener;
  /** Shared by Rx's thread (retries) and the context (reset on open), hence synchronized. */
  private final Backoff backoff;
  private Disposable subscription;
  private boolean stopped;

  DockerEvents(DockerClient docker, Context context, Backoff backoff, Listener listener) {
    this.docker = docker;
    this.context = context;
    this.backoff = backoff;
    this.listener = listener;
  }

  /** Call on the owning context. */
  void start() {
    subscription = connections()
      .retryWhen(errors -> errors.concatMap(err -> {
        long delay = nextDelay();
        context.runOnContext(v -> listener.broken(err, delay));
        return Flowable.timer(delay, TimeUnit.MILLISECONDS);
      }))
      .observeOn(RxHelper.scheduler(new io.vertx.rxjava3.core.Context(context)))
      .subscribe(this::deliver, this::ended);
  }

  void stop() {
    stopped = true;
    if (subscription != null) {
      subscription.dispose();
    }
  }

  private long nextDelay() {
    synchronized (backoff) {
      return backoff.next();
    }
  }

  private void deliver(Optional<Event> signal) {
    if (signal.isPresent()) {
      listener.event(signal.get());
      return;
    }
    synchronized (backoff) {
      backoff.reset();
    }
    listener.opened();
  }

  /** The retry above never gives up, so this is a handler's bug: report it and follow again. */
  private void ended(Throwable err) {
    if (stopped) {
      return;
    }
    long delay = nextDelay();
    LOG.error("docker event stream ended, following it again in {} ms", delay, err);
    listener.broken(err, delay);
    context.owner().setTimer(delay, t -> {
      if (!stopped) {
        start();
      }
    });
  }

  /**
   * The events of one connection to dockerd: first an empty signal once the stream is
   * open (time to resync), then the events. It fails when the stream breaks, so retry reconnects.
   */
  private Flowable<Optional<Event>> connections() {
    return Flowable.create(emitter -> {
      // no replay of missed events: the resync after the stream opens covers them
      // a network's own create and destroy pass this filter too: the listener ignores them
      var cmd = docker.eventsCmd().withEventTypeFilter(EventType.CONTAINER, EventType.NETWORK)
        .withEventFilter("create", "start", "die", "destroy", "health_status", "connect", "disconnect");
      ResultCallback.Adapter<Event> callback = cmd.exec(new ResultCallback.Adapter<>() {
        @Override
        public void onStart(Closeable stream) {
          super.onStart(stream);
          emitter.onNext(Optional.empty());
        }

        @Override
        public void onNext(Event event) {
          emitter.onNext(Optional.of(event));
        }

        @Override
        public void onError(Throwable t) {
          emitter.tryOnError(t);
        }

        @Override
        public void onComplete() {
          emitter.tryOnError(new java.io.IOException("docker event stream closed"));
        }
      });
      emitter.setCancellable(callback::close);
    }, BackpressureStrategy.BUFFER);
  }
}
