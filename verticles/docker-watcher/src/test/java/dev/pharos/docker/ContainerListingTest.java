package dev.pharos.docker;

import dev.pharos.model.Container;
import dev.pharos.model.PortBinding;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Docker's inspect JSON as dockerd answers it, after a create and once started. */
class ContainerListingTest {

  private static JsonObject created(String portBindings, boolean publishAll, String networkMode) {
    return new JsonObject("""
      {"Id": "0123456789abcdef", "Name": "/web-1", "Image": "sha256:abc",
       "Config": {"Image": "busybox", "Labels": {"sd-name": "web", "sd-env": "dev"}, "Hostname": "0123456789ab",
                  "Env": ["BACKEND_WEB=web[dev];8080/tcp", "PATH=/bin", "EMPTY"],
                  "ExposedPorts": {"80/tcp": {}, "53/udp": {}}},
       "Mounts": [{"Type": "bind", "Source": "/var/lib/serfnode/web-1", "Destination": "/serfnode", "RW": true}],
       "HostConfig": {"NetworkMode": "%s", "PublishAllPorts": %s, "PortBindings": %s}}
      """.formatted(networkMode, publishAll, portBindings));
  }

  @Test
  void fixedHostPortsAreKnownBeforeTheStart() {
    Optional<Container> c = ContainerListing.beforeStart(created(
      "{\"80/tcp\": [{\"HostIp\": \"127.0.0.1\", \"HostPort\": \"8080\"}]}", false, "bridge"));
    assertTrue(c.isPresent());
    assertEquals("web-1", c.get().name());
    assertEquals(Map.of("sd-name", "web", "sd-env", "dev"), c.get().labels());
    assertTrue(c.get().ports().contains(new PortBinding(80, 8080, "tcp")), c.get().ports().toString());
    assertTrue(c.get().ports().contains(new PortBinding(53, null, "udp")), "exposed, not published");
  }

  @Test
  void portsDockerPicksAtStartNeedAnInspectAfterIt() throws Exception {
    assertTrue(ContainerListing.beforeStart(created("{\"80/tcp\": [{\"HostIp\": \"\", \"HostPort\": \"\"}]}", false, "bridge")).isEmpty());
    assertTrue(ContainerListing.beforeStart(created("{\"80/tcp\": [{\"HostPort\": \"0\"}]}", false, "bridge")).isEmpty());
    assertTrue(ContainerListing.beforeStart(created("{}", true, "bridge")).isEmpty(), "-P");
  }

  @Test
  void hostNetworkIsKnownBeforeTheStart() throws Exception {
    Container c = ContainerListing.beforeStart(created("{}", false, "host")).orElseThrow();
    assertTrue(c.hostNetwork());
    assertEquals(List.of(new PortBinding(80, null, "tcp"), new PortBinding(53, null, "udp")).size(), c.ports().size());
  }

  @Test
  void consumersKeepTheirEnvironmentAndTheNamespaceTheyJoined() throws Exception {
    Container c = ContainerListing.beforeStart(created("{}", false, "container:ambassador")).orElseThrow();
    assertEquals("ambassador", c.joinedContainer());
    assertEquals("0123456789ab", c.hostname());
    assertEquals(List.of("BACKEND_WEB", "PATH", "EMPTY"), List.copyOf(c.env().keySet()));
    assertEquals("web[dev];8080/tcp", c.env().get("BACKEND_WEB"));
    assertEquals("", c.env().get("EMPTY"));
    assertEquals(Map.of("/serfnode", "/var/lib/serfnode/web-1"), c.mounts(), "a serf child's directory on the host");
    assertEquals(c, Container.fromJson(c.toJson()), "the bus JSON keeps everything");
  }

  @Test
  void aStartedContainerHasItsPublishedPortsNetworksHealthAndPid() {
    JsonObject c = new JsonObject("""
      {"Id": "fedcba9876543210", "Name": "/api-2", "Image": "sha256:def",
       "State": {"Running": true, "Pid": 4242, "Health": {"Status": "healthy"}},
       "Config": {"Image": "busybox", "Labels": {"sd-name": "api"}, "Env": null,
                  "Healthcheck": {"Test": ["CMD", "true"]}},
       "HostConfig": {"NetworkMode": "bridge"},
       "NetworkSettings": {"Ports": {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "32768"}, {"HostIp": "::", "HostPort": "32768"}],
                                     "53/udp": null, "9000-9001/tcp": null},
                           "Networks": {"bridge": {"IPAddress": "172.17.0.5"}, "none": {"IPAddress": ""}}}}
      """);
    assertTrue(ContainerListing.running(c));
    Container model = ContainerListing.toModel(c);
    assertEquals("api-2", model.name());
    assertEquals("busybox", model.image());
    assertEquals("fedcba987654", model.hostname(), "no Hostname: the short id, as Docker's default");
    assertEquals(List.of(new PortBinding(80, 32768, "tcp"), new PortBinding(80, 32768, "tcp"), new PortBinding(53, null, "udp")),
      model.ports(), "each binding of each published port; what is not a port is left out");
    assertEquals(Map.of("bridge", "172.17.0.5"), model.addresses());
    assertEquals("healthy", model.health());
    assertEquals(4242, model.pid());
    assertEquals(Map.of(), model.env());
    assertEquals(null, ContainerListing.health(new JsonObject("{\"Config\": {\"Healthcheck\": {\"Test\": [\"NONE\"]}}}")));
    assertEquals("starting", ContainerListing.health(new JsonObject("{\"Config\": {\"Healthcheck\": {\"Test\": [\"CMD\", \"true\"]}}}")));
    assertTrue(!ContainerListing.running(new JsonObject("{\"State\": {\"Running\": false}}")));
  }
}
