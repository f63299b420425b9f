package dev.pharos.harness.bench;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.EventType;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;

import java.io.Closeable;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The floor: the least a program can do for the same job. Docker event received, one HTTP check
 * of a port it already knows, one ZooKeeper create; on die, one delete. No definitions, no
 * rise/fall, no bus, no listing, no retries.
 */
final class RawRegistrar implements AutoCloseable {

  private final Closeable events;
  private final ExecutorService worker = Executors.newSingleThreadExecutor();
  private final Map<String, String> paths = new ConcurrentHashMap<>();
  /** For each started container: when its start event arrived, its check passed, its create was answered (wall clock, ns). */
  private final Map<String, long[]> stages = new ConcurrentHashMap<>();

  RawRegistrar(DockerClient docker, CuratorFramework zk, String parent, Map<String, Integer> ports) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    events = docker.eventsCmd().withEventTypeFilter(EventType.CONTAINER).withEventFilter("start", "die")
      .exec(new ResultCallback.Adapter<Event>() {
        @Override
        public void onNext(Event event) {
          String id = event.getId();
          Integer port = ports.get(id);
          if (port == null) {
            return;
          }
          long received = ZnodeTimes.now();
          worker.execute(() -> {
            try {
              if ("start".equals(event.getStatus())) {
                for (int attempt = 0; attempt < 50; attempt++) {
                  try {
                    HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/index.html"))
                      .timeout(Duration.ofMillis(500)).build(), HttpResponse.BodyHandlers.discarding());
                    if (r.statusCode() < 400) {
                      break;
                    }
                  } catch (java.io.IOException notYet) {
                    Thread.sleep(10);
                  }
                }
                long checked = ZnodeTimes.now();
                String data = "{\"host\":\"127.0.0.1\",\"port\":" + port + ",\"name\":\"raw-" + id.substring(0, 12) + "\"}";
                paths.put(id, zk.create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL_SEQUENTIAL)
                  .forPath(parent + "/raw-" + id.substring(0, 12) + "_", data.getBytes()));
                stages.put(id, new long[]{received, checked, ZnodeTimes.now()});
              } else {
                String path = paths.remove(id);
                if (path != null) {
                  zk.delete().forPath(path);
                }
              }
            } catch (Exception e) {
              System.err.println("raw registrar: " + e);
            }
          });
        }
      });
  }

  /** {@code [start event received, check passed, create answered]} of a started container, or null. */
  long[] stages(String id) {
    return stages.get(id);
  }

  @Override
  public void close() throws Exception {
    events.close();
    worker.shutdownNow();
  }
}
