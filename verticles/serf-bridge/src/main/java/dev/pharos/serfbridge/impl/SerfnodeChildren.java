package dev.pharos.serfbridge.impl;

import dev.pharos.bus.Addresses;
import dev.pharos.bus.ContainerFacts;
import dev.pharos.bus.Snapshots;
import dev.pharos.model.Container;
import dev.pharos.model.Host;
import dev.pharos.serf.ConfigFiles;
import dev.pharos.serf.SerfnodeFiles;
import dev.pharos.stage.StageStatus;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiConsumer;

/**
 * Serfnode's job for this node's children, on the serf bridge's context: follows this host's
 * containers on the bus (a child has a {@code /serfnode} mount), opens each child's FIFO and
 * closes it when the child goes, and writes the container infos: the node's {@code me.json} and
 * {@code children_by_name.json}, each child's {@code me.json} and {@code parent.json}. The
 * inspect output comes from this host's docker watcher over the bus, so only that stage talks to
 * dockerd.
 */
public final class SerfnodeChildren implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(SerfnodeChildren.class);

  private final Vertx vertx;
  private final Context context;
  private final StageStatus status;
  private final LatestWrites writes;
  /** The version of the latest container infos rendered. */
  private long infoVersion;
  private final Host host;
  private final Path serfnodeRoot;
  private final String parentContainer;
  private final ChildContainers children;
  private final BiConsumer<Path, String> fifoLines;
  private final Runnable childrenChanged;
  private final Map<Path, FifoReader> fifos = new HashMap<>();
  private final Map<String, Container> containers = new HashMap<>();
  /** Docker's inspect of each child container, by id. */
  private final Map<String, JsonObject> inspects = new HashMap<>();
  private JsonObject parentInspect;
  /** The local agent's member name: the id in the container infos; null until known. */
  private String nodeId;
  private boolean snapshotSeen;

  /**
   * @param serfnodeRoot    where the node's own files go, or null
   * @param parentContainer the container Pharos runs in, or null
   * @param fifoLines       gets (child directory, line) for each line a child writes to its FIFO
   * @param childrenChanged told when children came or went (their cluster files are due)
   */
  public SerfnodeChildren(Vertx vertx, Context context, StageStatus status, LatestWrites writes, Host host, Path serfnodeRoot,
                          String parentContainer, ChildContainers children, BiConsumer<Path, String> fifoLines,
                          Runnable childrenChanged) {
    this.vertx = vertx;
    this.context = context;
    this.status = status;
    this.writes = writes;
    this.host = host;
    this.serfnodeRoot = serfnodeRoot;
    this.parentContainer = parentContainer;
    this.children = children;
    this.fifoLines = fifoLines;
    this.childrenChanged = childrenChanged;
  }

  /** Opens the conf's children's FIFOs and follows this host's containers. */
  public void start(boolean throughDocker) {
    children.all().forEach(this::openFifo);
    vertx.eventBus().<JsonObject>consumer(Addresses.CONTAINERS, msg -> onContainers(msg.body()));
    if (throughDocker) {
      Snapshots.announceUntil(vertx, () -> snapshotSeen);
    }
  }

  /** Every child's directory, for the cluster files each gets. */
  public List<Path> dirs() {
    return children.all().stream().map(ChildContainers.Child::dir).toList();
  }

  /** The local agent's name is known (on each connect): the container infos can be written. */
  public void nodeId(String name) {
    nodeId = name;
    inspectParent();
  }

  @Override
  public void close() {
    fifos.values().forEach(FifoReader::close);
  }

  private void openFifo(ChildContainers.Child child) {
    fifos.put(child.dir(), new FifoReader(child.dir().resolve("parent"),
      line -> context.runOnContext(v -> fifoLines.accept(child.dir(), line)),
      (what, reason) -> status.problem("fifo " + what, reason)));
  }

  /** This host's containers: children come and go with their {@code /serfnode} mounts. */
  private void onContainers(JsonObject fact) {
    if (!host.id().equals(Host.fromJson(fact.getJsonObject("host")).id()) || !ContainerFacts.apply(fact, containers)) {
      return;
    }
    snapshotSeen |= "snapshot".equals(fact.getString("type"));
    ChildContainers.Change change = children.update(containers.values());
    for (ChildContainers.Child gone : change.removed()) {
      FifoReader fifo = fifos.remove(gone.dir());
      if (fifo != null) {
        fifo.close();
      }
      inspects.remove(gone.containerId());
      status.clear("child " + gone.name());
      // its fifo's problems, "fifo <dir>/parent" and the dropped-line one, go with it
      status.clearAll("fifo " + gone.dir().resolve("parent"));
      LOG.info("serfnode child {} gone ({})", gone.name(), gone.dir());
    }
    for (ChildContainers.Child added : change.added()) {
      openFifo(added);
      LOG.info("serfnode child {} at {}", added.name(), added.dir());
      inspectChild(added);
    }
    String upId = "up".equals(fact.getString("type")) ? fact.getJsonObject("container").getString("id") : null;
    children.all().stream().filter(c -> upId != null && upId.equals(c.containerId()) && !change.added().contains(c))
      .forEach(this::inspectChild); // a restart changes its inspect
    status.detail("children", children.all().size());
    if (!change.isEmpty()) {
      writeContainerInfo();
      childrenChanged.run();
    }
  }

  private void inspectChild(ChildContainers.Child child) {
    if (child.containerId() == null) {
      return;
    }
    inspect(child.containerId()).onSuccess(inspect -> {
      if (children.all().contains(child)) {
        inspects.put(child.containerId(), inspect);
        status.clear("child " + child.name());
        writeContainerInfo();
      }
    }).onFailure(err -> status.problem("child " + child.name(), "docker inspect failed: " + err.getMessage()));
  }

  /** The container Pharos runs in, when the conf names one: the parent in Serfnode's files. */
  private void inspectParent() {
    if (parentContainer == null) {
      writeContainerInfo();
      return;
    }
    inspect(parentContainer).onSuccess(inspect -> {
      parentInspect = inspect;
      status.clear("parent container");
      writeContainerInfo();
    }).onFailure(err -> {
      status.problem("parent container", parentContainer + ": docker inspect failed, retrying in 5 s: " + err.getMessage());
      writeContainerInfo();
      vertx.setTimer(5000, t -> inspectParent());
    });
  }

  /** Docker's inspect output, from this host's docker watcher. */
  private Future<JsonObject> inspect(String container) {
    return vertx.eventBus().<JsonObject>request(Addresses.containerInspect(host.id()), new JsonObject().put("id", container))
      .map(io.vertx.core.eventbus.Message::body);
  }

  /** The container infos, once the agent's name is known; each file replaced only when it changes. */
  private void writeContainerInfo() {
    if (nodeId == null) {
      return;
    }
    Map<Path, JsonObject> files = new LinkedHashMap<>();
    JsonObject parent = SerfnodeFiles.containerInfo(nodeId, parentInspect);
    Map<String, JsonObject> byName = new TreeMap<>();
    for (ChildContainers.Child child : children.all()) {
      JsonObject inspect = child.containerId() == null ? null : inspects.get(child.containerId());
      if (child.containerId() != null) {
        byName.put(child.name(), inspect);
      }
      files.put(child.dir().resolve("me.json"), SerfnodeFiles.containerInfo(nodeId, inspect));
      files.put(child.dir().resolve("parent.json"), parent);
    }
    if (serfnodeRoot != null) {
      files.put(serfnodeRoot.resolve("me.json"), parent);
      files.put(serfnodeRoot.resolve("children_by_name.json"), SerfnodeFiles.childrenByName(nodeId, byName));
    }
    writes.submit("container infos", ++infoVersion, () -> {
      for (Map.Entry<Path, JsonObject> file : files.entrySet()) {
        ConfigFiles.writeIfChanged(file.getKey(), file.getValue().encodePrettily().getBytes(StandardCharsets.UTF_8));
      }
      return null;
    });
  }
}
