package dev.pharos.model;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Joins a labelled container with its definition into an {@link Instance}, or says why it
 * cannot: which port to register is never guessed. The address is {@code HOST_IP} and the
 * published port, or, with the {@code sd-network} label or the host's {@code docker.network},
 * the container's own address on that network and its container port.
 */
public final class InstanceResolver {

  private InstanceResolver() {
  }

  /** Either an instance or the reason there is none. */
  public record Resolution(Instance instance, String problem) {
    static Resolution of(Instance instance) {
      return new Resolution(instance, null);
    }

    static Resolution problem(String problem) {
      return new Resolution(null, problem);
    }
  }

  /** {@code host.id + "-" + container short id}: unique per container, stable across restarts. */
  public static String instanceId(Host host, Container container) {
    return host.id() + "-" + container.shortId();
  }

  /** The service key ({@code env/app}) a container's labels ask for, or a problem. */
  public static Resolution labelProblem(Container container) {
    String env = container.labels().get(Container.LABEL_ENV);
    String app = container.labels().get(Container.LABEL_NAME);
    if (env == null) {
      return Resolution.problem("label " + Container.LABEL_ENV + " is missing");
    }
    if (app == null) {
      return Resolution.problem("label " + Container.LABEL_NAME + " is missing");
    }
    String envProblem = Names.problem(env);
    if (envProblem != null) {
      return Resolution.problem("label " + Container.LABEL_ENV + " '" + env + "' " + envProblem);
    }
    String appProblem = Names.problem(app);
    if (appProblem != null) {
      return Resolution.problem("label " + Container.LABEL_NAME + " '" + app + "' " + appProblem);
    }
    return null;
  }

  public static Resolution resolve(Host host, Container container, Definition definition) {
    Resolution labels = labelProblem(container);
    if (labels != null) {
      return labels;
    }
    String portLabel = container.labels().get(Container.LABEL_PORT);
    Integer wanted = null;
    if (portLabel != null) {
      try {
        wanted = Integer.parseInt(portLabel.trim());
      } catch (NumberFormatException e) {
        return Resolution.problem("label " + Container.LABEL_PORT + " '" + portLabel + "' is not a port number");
      }
      if (wanted < 1 || wanted > 65535) {
        return Resolution.problem("label " + Container.LABEL_PORT + " " + wanted + " is out of range");
      }
    }
    String network = container.labels().get(Container.LABEL_NETWORK);
    if (network != null && network.isBlank()) {
      return Resolution.problem("label " + Container.LABEL_NETWORK + " is empty");
    }
    if (network != null && container.hostNetwork()) {
      // no guess either way: the label asks for an address the container does not have
      return Resolution.problem("label " + Container.LABEL_NETWORK + "=" + network + " on a host-network container,"
        + " which has no address of its own: remove the label to register " + Container.LABEL_PORT + " on HOST_IP");
    }
    Reached reached;
    if (network != null) {
      reached = onNetwork(container, network.trim(), "label " + Container.LABEL_NETWORK, wanted);
    } else if (registersOwnAddress(host, container)) {
      reached = onNetwork(container, host.network(), "conf docker.network", wanted);
    } else {
      reached = onHost(host, container, wanted);
    }
    if (reached.problem() != null) {
      return Resolution.problem(reached.problem());
    }
    String id = instanceId(host, container);
    return Resolution.of(new Instance(id, definition.env(), definition.app(), host.id(), container.id(),
      reached.address(), reached.port(), NerveRegistration.data(reached.address(), reached.port(), id, definition),
      ServiceDocument.of(host, reached.address(), container, definition.env(), definition.app(),
        reached.containerPort(), reached.port(), "tcp")));
  }

  /**
   * Whether the container is registered at its own address on a Docker network (its label, or
   * the host's default), which Docker gives only once it has started. A host-network container's
   * own address is {@code HOST_IP}: the conf default leaves it to today's rule.
   */
  public static boolean registersOwnAddress(Host host, Container container) {
    return container.labels().containsKey(Container.LABEL_NETWORK) || (host.network() != null && !container.hostNetwork());
  }

  /** Where an instance is reached: {@code address:port}, serving {@code containerPort}; or a problem. */
  private record Reached(String address, int port, int containerPort, String problem) {
    static Reached problem(String problem) {
      return new Reached(null, 0, 0, problem);
    }
  }

  /** Today's rule: {@code HOST_IP} and the published port ({@code sd-port} itself on the host's network). */
  private static Reached onHost(Host host, Container container, Integer wanted) {
    if (container.hostNetwork()) {
      if (wanted == null) {
        return Reached.problem("host-network container needs the " + Container.LABEL_PORT + " label");
      }
      return new Reached(host.ip(), wanted, wanted, null);
    }
    Map<Integer, Integer> published = publishedTcp(container.ports());
    if (wanted != null) {
      Integer hostPort = published.get(wanted);
      if (hostPort == null) {
        return Reached.problem("container port " + wanted + " named by " + Container.LABEL_PORT
          + " is not published (published: " + published.keySet() + ")");
      }
      return new Reached(host.ip(), hostPort, wanted, null);
    }
    if (published.isEmpty()) {
      return Reached.problem("no published tcp port");
    }
    if (published.size() > 1) {
      return Reached.problem("ambiguous: several published ports " + published.keySet()
        + " and no " + Container.LABEL_PORT + " label naming one");
    }
    int containerPort = published.keySet().iterator().next();
    return new Reached(host.ip(), published.get(containerPort), containerPort, null);
  }

  /**
   * The container's own address on {@code network} and its container port: {@code sd-port}, or
   * the one tcp port it exposes or publishes (a port it only listens on is known to no one but
   * the label).
   */
  private static Reached onNetwork(Container container, String network, String namedBy, Integer wanted) {
    String address = container.addresses().get(network);
    if (address == null) {
      return Reached.problem("container " + container.name() + " has no address on docker network '" + network
        + "' named by " + namedBy + ": not attached to it, or no IPv4 address yet (its networks: "
        + container.addresses().keySet() + ")");
    }
    if (wanted != null) {
      return new Reached(address, wanted, wanted, null);
    }
    Set<Integer> ports = new TreeSet<>();
    container.ports().stream().filter(p -> "tcp".equals(p.proto())).forEach(p -> ports.add(p.containerPort()));
    if (ports.isEmpty()) {
      return Reached.problem("no exposed tcp port to register on docker network '" + network + "': the "
        + Container.LABEL_PORT + " label names it");
    }
    if (ports.size() > 1) {
      return Reached.problem("ambiguous: several container ports " + ports + " and no " + Container.LABEL_PORT
        + " label naming one");
    }
    int port = ports.iterator().next();
    return new Reached(address, port, port, null);
  }

  /** Container port to host port; Docker lists IPv4 and IPv6 bindings of one port twice. */
  private static Map<Integer, Integer> publishedTcp(List<PortBinding> ports) {
    Map<Integer, Integer> published = new TreeMap<>();
    for (PortBinding p : ports) {
      if (p.hostPort() != null && "tcp".equals(p.proto())) {
        published.putIfAbsent(p.containerPort(), p.hostPort());
      }
    }
    return published;
  }
}
