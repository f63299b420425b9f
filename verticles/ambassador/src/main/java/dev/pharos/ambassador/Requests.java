package dev.pharos.ambassador;

import dev.pharos.ambassador.impl.ProxyListener;
import dev.pharos.model.Container;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Who asks for which descriptor, and in which network namespace its listener belongs: the conf's
 * descriptors on the host; a consumer's in the namespace of the ambassador container it joined,
 * which is the host's when that container is {@code --net=host}.
 */
final class Requests {

  static final String CONF_SOURCE = "conf";

  /** A network namespace listeners bind in: the host's, or an ambassador container's (by its init's pid). */
  record Namespace(String name, int pid) {
    static final Namespace HOST = new Namespace(ProxyListener.HOST, 0);

    boolean isHost() {
      return this.equals(HOST);
    }
  }

  /** One listener's place: its namespace's name and its port. Two ambassador containers can each have {@code ;6379}. */
  record Key(String namespace, int port) implements Comparable<Key> {
    private static final Comparator<Key> ORDER = Comparator.comparing(Key::namespace).thenComparingInt(Key::port);

    @Override
    public int compareTo(Key other) {
      return ORDER.compare(this, other);
    }
  }

  /** {@code source} is "conf" or "container NAME". */
  record Request(String source, Namespace namespace, ServiceDescriptor descriptor) {
    Key key() {
      return new Key(namespace.name(), descriptor.port());
    }
  }

  private Requests() {
  }

  /** Every descriptor asked for, in order; malformed ones and consumers without an ambassador go to {@code problems}. */
  static List<Request> collect(List<String> confDescriptors, Map<String, Container> containers, List<String> ambassadors,
                               Map<String, String> problems) {
    List<Request> requests = new ArrayList<>();
    for (String line : confDescriptors) {
      try {
        requests.add(new Request(CONF_SOURCE, Namespace.HOST, ServiceDescriptor.parse(line)));
      } catch (IllegalArgumentException e) {
        problems.put("descriptor " + CONF_SOURCE + " " + line, "malformed: " + e.getMessage());
      }
    }
    containers.values().stream().filter(c -> isConsumer(c, containers, ambassadors)).sorted(Comparator.comparing(Container::name))
      .forEach(c -> {
        String source = "container " + c.name();
        Container ambassador = find(containers, c.joinedContainer());
        Namespace namespace = ambassador == null ? null
          : ambassador.hostNetwork() ? Namespace.HOST : new Namespace(ambassador.name(), ambassador.pid());
        c.env().forEach((name, value) -> {
          if (!name.startsWith(ServiceDescriptor.PREFIX)) {
            return;
          }
          try {
            ServiceDescriptor descriptor = ServiceDescriptor.parse(name, value);
            if (namespace == null) {
              problems.put("descriptor " + source + " " + name, "the ambassador container " + c.joinedContainer()
                + " it joined is not running: its network namespace has no listener");
            } else {
              requests.add(new Request(source, namespace, descriptor));
            }
          } catch (IllegalArgumentException e) {
            problems.put("descriptor " + source + " " + name, "malformed: " + e.getMessage());
          }
        });
      });
    return requests;
  }

  /** True when {@code container} joined the namespace of one of the configured ambassador containers. */
  private static boolean isConsumer(Container container, Map<String, Container> containers, List<String> ambassadors) {
    String joined = container.joinedContainer();
    if (joined == null) {
      return false;
    }
    Container target = find(containers, joined);
    for (String ambassador : ambassadors) {
      if (joined.equals(ambassador) || joined.startsWith(ambassador)
        || (target != null && target.name().equals(ambassador.replaceFirst("^/", "")))) {
        return true;
      }
    }
    return false;
  }

  /** The running container Docker's {@code container:<x>} names: by id, id prefix or name. */
  private static Container find(Map<String, Container> containers, String idOrName) {
    Container byId = containers.get(idOrName);
    if (byId != null) {
      return byId;
    }
    String name = idOrName.replaceFirst("^/", "");
    return containers.values().stream().filter(c -> c.id().startsWith(idOrName) || c.name().equals(name)).findFirst().orElse(null);
  }
}
