package dev.pharos.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Ports;
import dev.pharos.model.Container;
import dev.pharos.model.PortBinding;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Maps {@code docker inspect} answers to the model, and lists the running containers. */
final class ContainerListing {

  private ContainerListing() {
  }

  /**
   * {@code docker ps}, then an inspect of each (for the environment and network mode a listing
   * lacks), the inspects spread over {@code pool}'s workers: a resync of 1,000 containers waits
   * for 1,000 round trips divided by the pool's size, not for all of them one after another.
   */
  static Future<List<Container>> running(DockerClient docker, WorkerExecutor pool) {
    return pool.executeBlocking(() -> docker.listContainersCmd().exec(), false).compose(listed -> {
      List<Future<Container>> inspects = new ArrayList<>(listed.size());
      for (var container : listed) {
        inspects.add(pool.executeBlocking(() -> {
          try {
            InspectContainerResponse c = docker.inspectContainerCmd(container.getId()).exec();
            return c.getState() != null && Boolean.TRUE.equals(c.getState().getRunning()) ? toModel(c) : null;
          } catch (NotFoundException e) {
            return null; // gone between the listing and the inspect: its destroy event follows
          }
        }, false));
      }
      return Future.all(inspects).map(all -> {
        List<Container> running = new ArrayList<>(inspects.size());
        inspects.forEach(f -> {
          if (f.result() != null) {
            running.add(f.result());
          }
        });
        return running;
      });
    });
  }

  /** A started container: after its start event, and for each one {@code docker ps} lists. */
  static Container toModel(InspectContainerResponse c) {
    List<PortBinding> ports = new ArrayList<>();
    if (c.getNetworkSettings() != null && c.getNetworkSettings().getPorts() != null) {
      c.getNetworkSettings().getPorts().getBindings().forEach((exposed, bindings) -> {
        String proto = exposed.getProtocol() == null ? "tcp" : exposed.getProtocol().toString();
        if (bindings == null || bindings.length == 0) {
          ports.add(new PortBinding(exposed.getPort(), null, proto));
          return;
        }
        for (Ports.Binding b : bindings) {
          ports.add(new PortBinding(exposed.getPort(), hostPort(b), proto));
        }
      });
    }
    return withPorts(c, ports);
  }

  /**
   * After a create event: the container as it will run, when its host ports are already
   * known, that is when every published port names its host port ({@code -p 8080:80}).
   * Empty when Docker picks a port at start ({@code -p 80}, {@code -P}): then only an inspect
   * after the start tells.
   */
  static Optional<Container> beforeStart(InspectContainerResponse c) {
    HostConfig host = c.getHostConfig();
    if (host == null || Boolean.TRUE.equals(host.getPublishAllPorts())) {
      return Optional.empty();
    }
    Map<ExposedPort, Ports.Binding[]> bindings = new LinkedHashMap<>();
    if (c.getConfig() != null && c.getConfig().getExposedPorts() != null) {
      for (ExposedPort exposed : c.getConfig().getExposedPorts()) {
        bindings.put(exposed, null);
      }
    }
    if (host.getPortBindings() != null) {
      bindings.putAll(host.getPortBindings().getBindings());
    }
    List<PortBinding> ports = new ArrayList<>();
    for (Map.Entry<ExposedPort, Ports.Binding[]> e : bindings.entrySet()) {
      String proto = e.getKey().getProtocol() == null ? "tcp" : e.getKey().getProtocol().toString();
      if (e.getValue() == null || e.getValue().length == 0) {
        ports.add(new PortBinding(e.getKey().getPort(), null, proto));
        continue;
      }
      for (Ports.Binding b : e.getValue()) {
        Integer hostPort = hostPort(b);
        if (hostPort == null || hostPort == 0) {
          return Optional.empty();
        }
        ports.add(new PortBinding(e.getKey().getPort(), hostPort, proto));
      }
    }
    return Optional.of(withPorts(c, ports));
  }

  private static Container withPorts(InspectContainerResponse c, List<PortBinding> ports) {
    String name = c.getName() == null ? c.getId() : c.getName().replaceFirst("^/", "");
    String networkMode = c.getHostConfig() == null || c.getHostConfig().getNetworkMode() == null
      ? "default" : c.getHostConfig().getNetworkMode();
    var config = c.getConfig();
    Map<String, String> labels = config == null || config.getLabels() == null ? Map.of() : Map.copyOf(config.getLabels());
    String image = config == null ? c.getImageId() : config.getImage();
    String hostname = config == null || config.getHostName() == null ? c.getId().substring(0, 12) : config.getHostName();
    Map<String, String> env = Collections.unmodifiableMap(Container.parseEnv(config == null ? null : config.getEnv()));
    Map<String, String> mounts = new LinkedHashMap<>();
    if (c.getMounts() != null) {
      for (var mount : c.getMounts()) {
        if (mount.getDestination() != null && mount.getSource() != null) {
          mounts.put(mount.getDestination().getPath(), mount.getSource());
        }
      }
    }
    Integer pid = c.getState() == null ? null : c.getState().getPid();
    return new Container(c.getId(), name, image, labels, List.copyOf(ports), networkMode, hostname, env,
      Collections.unmodifiableMap(mounts), health(c), pid == null ? 0 : pid, addresses(c));
  }

  /** The container's IPv4 address on each network it is attached to, by network name. */
  static Map<String, String> addresses(InspectContainerResponse c) {
    Map<String, String> addresses = new LinkedHashMap<>();
    var networks = c.getNetworkSettings() == null ? null : c.getNetworkSettings().getNetworks();
    if (networks != null) {
      networks.forEach((network, settings) -> {
        if (settings != null && settings.getIpAddress() != null && !settings.getIpAddress().isBlank()) {
          addresses.put(network, settings.getIpAddress());
        }
      });
    }
    return Collections.unmodifiableMap(addresses);
  }

  /** Docker's health status, "starting" before the first probe, or null without a HEALTHCHECK. */
  static String health(InspectContainerResponse c) {
    var check = c.getConfig() == null ? null : c.getConfig().getHealthcheck();
    if (check == null || check.getTest() == null || check.getTest().isEmpty() || "NONE".equals(check.getTest().get(0))) {
      return null;
    }
    var state = c.getState() == null ? null : c.getState().getHealth();
    return state == null || state.getStatus() == null ? "starting" : state.getStatus();
  }

  private static Integer hostPort(Ports.Binding binding) {
    try {
      return binding.getHostPortSpec() == null ? null : Integer.valueOf(binding.getHostPortSpec());
    } catch (NumberFormatException e) {
      return null; // a range is never what a running container is bound to
    }
  }
}
