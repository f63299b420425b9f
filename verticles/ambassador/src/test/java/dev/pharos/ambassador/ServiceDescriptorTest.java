package dev.pharos.ambassador;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ServiceDescriptorTest {

  @Test
  void theSeedsExamples() {
    ServiceDescriptor d = ServiceDescriptor.parse("BACKEND_REDIS_SERVICE=redis.master[prod,stats];6379/tcp");
    assertEquals(new ServiceDescriptor("BACKEND_REDIS_SERVICE", "redis.master", null, List.of("prod", "stats"), 6379, "tcp"), d);
    ServiceDescriptor key = ServiceDescriptor.parse("BACKEND_REDIS_SERVICE=/services/prod/redis.master[prod,stats];6379/tcp");
    assertEquals("prod", key.env());
    assertEquals("redis.master", key.service());
    assertEquals("/services/prod/redis.master[prod,stats];6379/tcp", key.spec());
    ServiceDescriptor znode = ServiceDescriptor.parse("BACKEND_WEB=/env/prod/sd/web;8080");
    assertEquals("prod", znode.env());
    assertEquals("web", znode.service());
  }

  @Test
  void tagsAndProtoAreOptional() {
    ServiceDescriptor d = ServiceDescriptor.parse("BACKEND_REDIS_MASTER", "redis.master;6379");
    assertEquals(List.of(), d.tags());
    assertEquals("tcp", d.proto());
    assertNull(d.env());
    assertEquals("udp", ServiceDescriptor.parse("BACKEND_DNS", "dns[a];53/UDP").proto());
    assertEquals(List.of("dev"), ServiceDescriptor.parse("BACKEND_WEB", " web[ dev ] ; 8080/tcp ").tags());
  }

  private static void refused(String value, String mentions) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ServiceDescriptor.parse("BACKEND_X", value));
    assertTrue(e.getMessage().contains(mentions), e.getMessage());
  }

  @Test
  void everyMalformedFormIsRefusedWithItsReason() {
    refused("web[dev]", "no ';<port>'");
    refused("web[dev];", "no port");
    refused("web[dev];/tcp", "no port");
    refused("web;http/tcp", "not a number");
    refused("web;0/tcp", "out of range");
    refused("web;65536/tcp", "out of range");
    refused("web;80/sctp", "not tcp or udp");
    refused("web[dev;80/tcp", "brackets");
    refused("webdev];80/tcp", "brackets");
    refused("web[dev]x;80/tcp", "brackets");
    refused("web[[dev]];80/tcp", "brackets");
    refused("web[dev,];80/tcp", "empty tag");
    refused("[dev];80/tcp", "no service");
    refused("we b;80/tcp", "not a valid name");
    refused("/services/web;80/tcp", "/services/<env>/<service>");
    refused("/srv/prod/web;80/tcp", "/services/<env>/<service>");
    refused("/env/prod/web;80/tcp", "/env/<env>/sd/<service>");
    refused("/env/prod/sd/web/sd;80/tcp", "/env/<env>/sd/<service>");
    assertThrows(IllegalArgumentException.class, () -> ServiceDescriptor.parse("web;80/tcp"));
  }
}
