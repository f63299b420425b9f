package dev.pharos.model;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InstanceResolverTest {

  private static final Host HOST = new Host("host1", "10.0.0.5");
  private static final Definition WEB = new Definition("dev", "web", "/env/dev/sd/web", 1, 1000, List.of(), null, null, null);

  private static Container container(Map<String, String> extraLabels, boolean hostNetwork, PortBinding... ports) {
    Map<String, String> labels = new HashMap<>(Map.of(Container.LABEL_ENV, "dev", Container.LABEL_NAME, "web"));
    labels.putAll(extraLabels);
    return Container.of("0123456789abcdef0123", "web-1", "img", labels, List.of(ports), hostNetwork);
  }

  @Test
  void registersTheOnePublishedPortOnHostIp() {
    var r = InstanceResolver.resolve(HOST, container(Map.of(), false,
      new PortBinding(80, 32768, "tcp"), new PortBinding(80, 32768, "tcp")), WEB);
    assertNull(r.problem());
    assertEquals("host1-0123456789ab", r.instance().id());
    assertEquals(32768, r.instance().port());
    assertEquals("10.0.0.5", r.instance().data().getString("host"));
  }

  @Test
  void severalPortsWithoutSdPortAreAmbiguous() {
    var r = InstanceResolver.resolve(HOST, container(Map.of(), false,
      new PortBinding(80, 1, "tcp"), new PortBinding(443, 2, "tcp")), WEB);
    assertNull(r.instance());
    assertTrue(r.problem().startsWith("ambiguous"), r.problem());
  }

  @Test
  void sdPortChoosesAmongSeveral() {
    var r = InstanceResolver.resolve(HOST, container(Map.of(Container.LABEL_PORT, "443"), false,
      new PortBinding(80, 1, "tcp"), new PortBinding(443, 2, "tcp")), WEB);
    assertEquals(2, r.instance().port());
  }

  @Test
  void sdPortMustBePublished() {
    var r = InstanceResolver.resolve(HOST, container(Map.of(Container.LABEL_PORT, "8080"), false,
      new PortBinding(80, 1, "tcp")), WEB);
    assertTrue(r.problem().contains("8080"), r.problem());
  }

  @Test
  void hostNetworkUsesSdPortOnHostIp() {
    var r = InstanceResolver.resolve(HOST, container(Map.of(Container.LABEL_PORT, "9000"), true), WEB);
    assertEquals(9000, r.instance().port());
    assertEquals("10.0.0.5", r.instance().host());
    assertTrue(InstanceResolver.resolve(HOST, container(Map.of(), true), WEB).problem().contains("sd-port"));
  }

  @Test
  void unpublishedAndUdpPortsAreNotRegistered() {
    var r = InstanceResolver.resolve(HOST, container(Map.of(), false,
      new PortBinding(80, null, "tcp"), new PortBinding(53, 53, "udp")), WEB);
    assertEquals("no published tcp port", r.problem());
  }

  @Test
  void illegalLabelsAreReported() {
    var r = InstanceResolver.resolve(HOST, container(Map.of(Container.LABEL_ENV, "../etc"), false,
      new PortBinding(80, 1, "tcp")), WEB);
    assertTrue(r.problem().contains("sd-env"), r.problem());
    r = InstanceResolver.resolve(HOST, container(Map.of(Container.LABEL_PORT, "http"), false), WEB);
    assertTrue(r.problem().contains("not a port number"), r.problem());
  }

  private static final Host DEFAULT_NET = new Host("host1", "10.0.0.5", "overlay1");

  /** A bridge container with {@code addresses} (network to IPv4) and {@code ports}, none of them published unless said. */
  private static Container onNetworks(Map<String, String> extraLabels, Map<String, String> addresses, PortBinding... ports) {
    Container c = container(extraLabels, false, ports);
    return new Container(c.id(), c.name(), c.image(), c.labels(), c.ports(), "appnet", c.hostname(), c.env(),
      c.mounts(), null, 4242, addresses);
  }

  @Test
  void sdNetworkRegistersTheContainersAddressAndContainerPortInEveryStore() {
    var r = InstanceResolver.resolve(HOST, onNetworks(Map.of(Container.LABEL_NETWORK, "appnet"),
      Map.of("bridge", "172.17.0.2", "appnet", "172.30.0.7"), new PortBinding(8080, null, "tcp")), WEB);
    assertNull(r.problem());
    assertEquals("172.30.0.7", r.instance().host());
    assertEquals(8080, r.instance().port());
    assertEquals("{\"host\":\"172.30.0.7\",\"port\":8080,\"name\":\"host1-0123456789ab\"}", r.instance().data().encode());
    JsonObject doc = r.instance().document();
    assertEquals("172.30.0.7", doc.getString("ipaddress"));
    assertEquals("8080", doc.getString("host_port"));
    assertEquals("8080", doc.getString("port"));
    assertEquals("host1", doc.getString("host"));
    assertEquals("/services/dev/web/8080/8080/0123456789ab", r.instance().documentPath());
  }

  @Test
  void sdNetworkTakesTheContainerPortNotThePublishedOne() {
    var r = InstanceResolver.resolve(HOST, onNetworks(Map.of(Container.LABEL_NETWORK, "appnet"),
      Map.of("appnet", "172.30.0.7"), new PortBinding(80, 32768, "tcp"), new PortBinding(80, 32768, "tcp")), WEB);
    assertEquals("172.30.0.7:80", r.instance().host() + ":" + r.instance().port());
  }

  @Test
  void sdPortNamesTheContainerPortOnTheNetworkEvenWhenNothingIsExposed() {
    var r = InstanceResolver.resolve(HOST, onNetworks(Map.of(Container.LABEL_NETWORK, "appnet", Container.LABEL_PORT, "9000"),
      Map.of("appnet", "172.30.0.7")), WEB);
    assertEquals(9000, r.instance().port());
    r = InstanceResolver.resolve(HOST, onNetworks(Map.of(Container.LABEL_NETWORK, "appnet", Container.LABEL_PORT, "443"),
      Map.of("appnet", "172.30.0.7"), new PortBinding(80, null, "tcp"), new PortBinding(443, null, "tcp")), WEB);
    assertEquals(443, r.instance().port());
  }

  @Test
  void onANetworkNoPortOrSeveralPortsIsAProblemNamingSdPort() {
    var none = InstanceResolver.resolve(HOST, onNetworks(Map.of(Container.LABEL_NETWORK, "appnet"),
      Map.of("appnet", "172.30.0.7"), new PortBinding(53, null, "udp")), WEB);
    assertNull(none.instance());
    assertTrue(none.problem().contains("no exposed tcp port") && none.problem().contains("sd-port"), none.problem());
    var several = InstanceResolver.resolve(HOST, onNetworks(Map.of(Container.LABEL_NETWORK, "appnet"),
      Map.of("appnet", "172.30.0.7"), new PortBinding(80, null, "tcp"), new PortBinding(443, 8443, "tcp")), WEB);
    assertNull(several.instance());
    assertTrue(several.problem().startsWith("ambiguous: several container ports [80, 443]")
      && several.problem().contains("sd-port"), several.problem());
  }

  @Test
  void aNetworkTheContainerIsNotOnIsAProblemNamingContainerAndNetwork() {
    var r = InstanceResolver.resolve(HOST, onNetworks(Map.of(Container.LABEL_NETWORK, "backend"),
      Map.of("bridge", "172.17.0.2"), new PortBinding(80, 32768, "tcp")), WEB);
    assertNull(r.instance(), "never falls back to HOST_IP and the published port");
    assertTrue(r.problem().contains("web-1") && r.problem().contains("'backend'") && r.problem().contains("label sd-network")
      && r.problem().contains("[bridge]"), r.problem());
    // attached, but with no IPv4 yet: the watcher leaves the network out of the addresses
    r = InstanceResolver.resolve(HOST, onNetworks(Map.of(Container.LABEL_NETWORK, "backend"), Map.of(),
      new PortBinding(80, null, "tcp")), WEB);
    assertTrue(r.problem().contains("'backend'"), r.problem());
    r = InstanceResolver.resolve(HOST, onNetworks(Map.of(Container.LABEL_NETWORK, " "), Map.of()), WEB);
    assertEquals("label sd-network is empty", r.problem());
  }

  @Test
  void theConfDefaultAppliesToUnlabelledContainersAndTheLabelWins() {
    var r = InstanceResolver.resolve(DEFAULT_NET, onNetworks(Map.of(),
      Map.of("overlay1", "10.9.0.3", "appnet", "172.30.0.7"), new PortBinding(80, 32768, "tcp")), WEB);
    assertEquals("10.9.0.3:80", r.instance().host() + ":" + r.instance().port());
    r = InstanceResolver.resolve(DEFAULT_NET, onNetworks(Map.of(Container.LABEL_NETWORK, "appnet"),
      Map.of("overlay1", "10.9.0.3", "appnet", "172.30.0.7"), new PortBinding(80, 32768, "tcp")), WEB);
    assertEquals("172.30.0.7:80", r.instance().host() + ":" + r.instance().port());
    r = InstanceResolver.resolve(DEFAULT_NET, onNetworks(Map.of(), Map.of("bridge", "172.17.0.2"),
      new PortBinding(80, 32768, "tcp")), WEB);
    assertTrue(r.problem().contains("'overlay1'") && r.problem().contains("conf docker.network"), r.problem());
  }

  @Test
  void hostNetworkContainers() {
    var labelled = InstanceResolver.resolve(HOST, container(Map.of(Container.LABEL_NETWORK, "appnet", Container.LABEL_PORT, "9000"),
      true), WEB);
    assertNull(labelled.instance(), "the label asks for an address a host-network container does not have");
    assertTrue(labelled.problem().contains("sd-network=appnet") && labelled.problem().contains("host-network"), labelled.problem());
    var byDefault = InstanceResolver.resolve(DEFAULT_NET, container(Map.of(Container.LABEL_PORT, "9000"), true), WEB);
    assertEquals("10.0.0.5:9000", byDefault.instance().host() + ":" + byDefault.instance().port(),
      "the conf default leaves host-network containers on HOST_IP");
  }

  @Test
  void withoutTheLabelOrDefaultTheContainersAddressIsNotUsed() {
    var r = InstanceResolver.resolve(HOST, onNetworks(Map.of(), Map.of("appnet", "172.30.0.7"),
      new PortBinding(80, 32768, "tcp")), WEB);
    assertEquals("10.0.0.5:32768", r.instance().host() + ":" + r.instance().port());
    assertEquals("10.0.0.5", r.instance().document().getString("ipaddress"));
  }

  @Test
  void theConfDefaultTravelsWithTheHostsFacts() {
    JsonObject conf = dev.pharos.PharosConfig.resolve(new JsonObject().put("instanceId", "host1")
      .put("docker", new JsonObject().put("network", "overlay1")), Map.of());
    Host host = Host.fromJson(dev.pharos.PharosConfig.host(conf).toJson());
    assertEquals("overlay1", host.network());
    assertNull(dev.pharos.PharosConfig.host(dev.pharos.PharosConfig.resolve(new JsonObject(), Map.of())).network(),
      "none by default: HOST_IP and the published port");
    JsonObject wrong = dev.pharos.PharosConfig.resolve(new JsonObject().put("docker", new JsonObject().put("network", 5)), Map.of());
    var refused = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> dev.pharos.PharosConfig.host(wrong));
    assertTrue(refused.getMessage().startsWith("docker.network:"), refused.getMessage());
  }
}
