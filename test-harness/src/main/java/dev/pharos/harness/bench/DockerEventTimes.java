package dev.pharos.harness.bench;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.EventType;

import java.io.Closeable;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** dockerd's own time of each container's start and die events (wall clock, nanoseconds). */
final class DockerEventTimes implements AutoCloseable {

  private final Map<String, Long> started = new ConcurrentHashMap<>();
  private final Map<String, Long> died = new ConcurrentHashMap<>();
  private final Closeable stream;

  DockerEventTimes(DockerClient docker) {
    stream = docker.eventsCmd().withEventTypeFilter(EventType.CONTAINER).withEventFilter("start", "die")
      .exec(new ResultCallback.Adapter<Event>() {
        @Override
        public void onNext(Event e) {
          (("start".equals(e.getStatus())) ? started : died).putIfAbsent(e.getId(), e.getTimeNano());
        }
      });
  }

  Long started(String id) {
    return started.get(id);
  }

  Long died(String id) {
    return died.get(id);
  }

  @Override
  public void close() throws IOException {
    stream.close();
  }
}
