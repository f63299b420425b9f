package dev.pharos.model;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Joins a labelled container with its definition into an {@link Instance}, or says why it
 * cannot: which port to register is never guessed.
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
    int port;
    int containerPort;
    if (container.hostNetwork()) {
      if (wanted == null) {
        return Resolution.problem("host-network container needs the " + Container.LABEL_PORT + " label");
      }
      port = wanted;
      containerPort = wanted;
    } else {
      Map<Integer, Integer> published = publishedTcp(container.ports());
      if (wanted != null) {
        Integer hostPort = published.get(wanted);
        if (hostPort == null) {
          return Resolution.problem("container port " + wanted + " named by " + Container.LABEL_PORT
            + " is not published (published: " + published.keySet() + ")");
        }
        port = hostPort;
        containerPort = wanted;
      } else if (published.isEmpty()) {
        return Resolution.problem("no published tcp port");
      } else if (published.size() > 1) {
        return Resolution.problem("ambiguous: several published ports " + published.keySet()
          + " and no " + Container.LABEL_PORT + " label naming one");
      } else {
        containerPort = published.keySet().iterator().next();
        port = published.get(containerPort);
      }
    }
    String id = instanceId(host, container);
    return Resolution.of(new Instance(id, definition.env(), definition.app(), host.id(), container.id(),
      host.ip(), port, NerveRegistration.data(host.ip(), port, id, definition),
      ServiceDocument.of(host, container, definition.env(), definition.app(), containerPort, port, "tcp")));
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
