package dev.pharos.docker;

import com.github.dockerjava.api.model.ContainerPort;
import dev.pharos.model.Container;
import dev.pharos.model.PortBinding;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Maps a {@code docker ps} entry to the model: the listing has ports, labels and network mode. */
final class ContainerListing {

  private ContainerListing() {
  }

  static Container toModel(com.github.dockerjava.api.model.Container c) {
    List<PortBinding> ports = new ArrayList<>();
    if (c.getPorts() != null) {
      for (ContainerPort p : c.getPorts()) {
        if (p.getPrivatePort() != null) {
          ports.add(new PortBinding(p.getPrivatePort(), p.getPublicPort(), p.getType() == null ? "tcp" : p.getType()));
        }
      }
    }
    String name = c.getNames() != null && c.getNames().length > 0 ? c.getNames()[0].replaceFirst("^/", "") : c.getId();
    boolean hostNetwork = c.getHostConfig() != null && "host".equals(c.getHostConfig().getNetworkMode());
    Map<String, String> labels = c.getLabels() == null ? Map.of() : Map.copyOf(c.getLabels());
    return new Container(c.getId(), name, c.getImage(), labels, List.copyOf(ports), hostNetwork);
  }
}
