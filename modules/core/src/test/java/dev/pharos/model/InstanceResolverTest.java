package dev.pharos.model;

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
}
