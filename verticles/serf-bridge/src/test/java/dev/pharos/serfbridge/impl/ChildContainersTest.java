package dev.pharos.serfbridge.impl;

import dev.pharos.model.Container;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChildContainersTest {

  private static Container container(String id, String name, Map<String, String> mounts) {
    return new Container(id, name, "busybox", Map.of(), List.of(), "default", id, Map.of(), mounts);
  }

  @Test
  void childrenAreContainersWithASerfnodeMountPlusTheConfsDirectories() {
    ChildContainers children = new ChildContainers("/serfnode", List.of(Path.of("/srv/static")));
    assertEquals(List.of(Path.of("/srv/static")), children.all().stream().map(ChildContainers.Child::dir).toList());

    Container web = container("c1", "web-1", Map.of("/serfnode", "/var/lib/serfnode/web-1", "/data", "/srv/data"));
    Container plain = container("c2", "plain", Map.of("/data", "/srv/data"));
    ChildContainers.Change change = children.update(List.of(web, plain));
    assertEquals(List.of(new ChildContainers.Child(Path.of("/var/lib/serfnode/web-1"), "c1", "web-1")), change.added());
    assertTrue(change.removed().isEmpty());
    assertEquals(2, children.all().size());

    assertTrue(children.update(List.of(web, plain)).isEmpty(), "nothing changed");

    Container restarted = container("c3", "web-1", Map.of("/serfnode", "/var/lib/serfnode/web-1"));
    change = children.update(List.of(restarted));
    assertEquals("c3", change.added().get(0).containerId(), "a new container on the same directory replaces the old");
    assertEquals("c1", change.removed().get(0).containerId());

    change = children.update(List.of());
    assertEquals(List.of("c3"), change.removed().stream().map(ChildContainers.Child::containerId).toList());
    assertEquals(List.of(Path.of("/srv/static")), children.all().stream().map(ChildContainers.Child::dir).toList(),
      "the conf's directories stay");
  }

  @Test
  void withoutAMountPointDockerGivesNoChildren() {
    ChildContainers children = new ChildContainers(null, List.of());
    assertTrue(children.update(List.of(container("c1", "web-1", Map.of("/serfnode", "/x")))).isEmpty());
  }
}
