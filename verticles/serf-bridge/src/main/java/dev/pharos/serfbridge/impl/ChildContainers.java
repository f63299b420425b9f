package dev.pharos.serfbridge.impl;

import dev.pharos.model.Container;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Serfnode's children on this host: the directories the conf lists, and every running container
 * with a mount at the child mount point ({@code /serfnode}), whose directory is that mount's
 * source on the host. Each update says which children came and which went.
 */
public final class ChildContainers {

  /**
   * A child of this node.
   *
   * @param dir         its serfnode directory, as this process sees it
   * @param containerId the container's id, or null for a directory from the conf
   * @param name        the container's name, or the directory's for one from the conf
   */
  public record Child(Path dir, String containerId, String name) {
  }

  public record Change(List<Child> added, List<Child> removed) {
    public boolean isEmpty() {
      return added.isEmpty() && removed.isEmpty();
    }
  }

  private final String mountPoint;
  private final List<Child> fromConf;
  private Map<Path, Child> current = new LinkedHashMap<>();

  /**
   * @param mountPoint where a child mounts its serfnode directory, or null to find no children through Docker
   * @param confDirs   child directories listed in the conf
   */
  public ChildContainers(String mountPoint, List<Path> confDirs) {
    this.mountPoint = mountPoint;
    this.fromConf = confDirs.stream().map(dir -> new Child(dir, null, String.valueOf(dir.getFileName()))).toList();
    fromConf.forEach(child -> current.put(child.dir(), child));
  }

  public List<Child> all() {
    return List.copyOf(current.values());
  }

  /** Brings the children in line with this host's running containers. */
  public Change update(Collection<Container> running) {
    Map<Path, Child> next = new LinkedHashMap<>();
    fromConf.forEach(child -> next.put(child.dir(), child));
    if (mountPoint != null) {
      // by name, so the same container keeps a directory two containers share
      running.stream().sorted(Comparator.comparing(Container::name)).forEach(c -> {
        String source = c.mounts().get(mountPoint);
        if (source != null) {
          next.putIfAbsent(Path.of(source), new Child(Path.of(source), c.id(), c.name()));
        }
      });
    }
    List<Child> added = new ArrayList<>();
    List<Child> removed = new ArrayList<>();
    next.values().stream().filter(child -> !child.equals(current.get(child.dir()))).forEach(added::add);
    current.values().stream().filter(child -> !child.equals(next.get(child.dir()))).forEach(removed::add);
    current = next;
    return new Change(added, removed);
  }
}
