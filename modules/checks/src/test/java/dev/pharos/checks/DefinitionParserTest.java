package dev.pharos.checks;

import dev.pharos.model.Check;
import dev.pharos.model.Definition;
import dev.pharos.model.DefinitionParser;
import dev.pharos.model.InvalidDefinitionException;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The definition parser with every check type's options, as the definition watcher runs it. */
class DefinitionParserTest {

  private static Definition parse(String json) throws InvalidDefinitionException {
    return DefinitionParser.parse("dev", "test-app", 7, json.getBytes(StandardCharsets.UTF_8), CheckTypes.standard());
  }

  @Test
  void readsTheSeedsPartial() throws Exception {
    Definition d = parse("""
      {"nerve": {"reporter_type": "zookeeper", "check_interval": 5,
        "checks": [{"type": "http", "uri": "/health", "timeout": 0.2, "rise": 3, "fall": 2}]},
       "other": "kept out of the way"}""");
    assertEquals("/env/dev/sd/test-app", d.path());
    assertEquals(7, d.version());
    assertEquals(5000, d.checkIntervalMs());
    assertEquals(1, d.checks().size());
    Check c = d.checks().get(0);
    assertEquals("http", c.type());
    assertEquals("/health", c.options().getString("uri"));
    assertNull(c.host());
    assertNull(c.port());
    assertEquals(200, c.timeoutMs());
    assertEquals(3, c.rise());
    assertEquals(2, c.fall());
    assertNull(d.weight());
  }

  @Test
  void appliesNervesDefaults() throws Exception {
    Definition d = parse("{\"nerve\": {\"checks\": [{\"type\": \"tcp\"}]}}");
    assertEquals(500, d.checkIntervalMs());
    assertEquals(100, d.checks().get(0).timeoutMs());
    assertEquals(1, d.checks().get(0).rise());
    assertEquals(1, d.checks().get(0).fall());
  }

  @Test
  void keepsOptionalRegistrationFields() throws Exception {
    Definition d = parse("""
      {"nerve": {"checks": [], "weight": "3", "haproxy_server_options": "backup",
        "labels": {"az": "eu-1"}}}""");
    assertEquals(3, d.weight());
    assertEquals("backup", d.haproxyServerOptions());
    assertEquals(new JsonObject().put("az", "eu-1"), d.labels());
  }

  @Test
  void roundTripsThroughJson() throws Exception {
    Definition d = parse("""
      {"nerve": {"check_interval": 1, "weight": 2, "labels": {"a": "b"},
        "checks": [{"type": "http", "uri": "/h", "expect": "ok"}]}}""");
    assertEquals(d, Definition.fromJson(d.toJson()));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', textBlock = """
    not json at all                                              | (document)
    [1, 2]                                                       | (document)
    {}                                                           | nerve
    {"nerve": 3}                                                 | nerve
    {"nerve": {"checks": {}}}                                    | nerve.checks
    {"nerve": {"checks": [3]}}                                   | nerve.checks[0]
    {"nerve": {"checks": [{"type": "ping"}]}}                    | nerve.checks[0].type
    {"nerve": {"checks": [{"type": "http"}]}}                    | nerve.checks[0].uri
    {"nerve": {"checks": [{"type": "http", "uri": "health"}]}}   | nerve.checks[0].uri
    {"nerve": {"checks": [{"type": "http", "uri": "/", "ssl": "y"}]}} | nerve.checks[0].ssl
    {"nerve": {"checks": [{"type": "http", "uri": "/", "headers": {"a": 1}}]}} | nerve.checks[0].headers.a
    {"nerve": {"checks": [{"type": "http", "uri": "/", "open_timeout": 0}]}} | nerve.checks[0].open_timeout
    {"nerve": {"checks": [{}]}}                                  | nerve.checks[0].type
    {"nerve": {"checks": [{"type": "tcp", "port": 70000}]}}      | nerve.checks[0].port
    {"nerve": {"checks": [{"type": "tcp", "host": ""}]}}         | nerve.checks[0].host
    {"nerve": {"checks": [{"type": "redis", "db": -1}]}}         | nerve.checks[0].db
    {"nerve": {"checks": [{"type": "mysql", "dbname": "d", "password": "p"}]}} | nerve.checks[0].user
    {"nerve": {"checks": [{"type": "mysql", "user": "u", "password": "p"}]}} | nerve.checks[0].dbname
    {"nerve": {"checks": [{"type": "postgresql", "dbname": "d", "user": "u"}]}} | nerve.checks[0].password
    {"nerve": {"checks": [{"type": "rabbitmq", "username": 5}]}} | nerve.checks[0].username
    {"nerve": {"checks": [{"type": "tcp", "timeout": -1}]}}      | nerve.checks[0].timeout
    {"nerve": {"checks": [{"type": "tcp", "rise": 0}]}}          | nerve.checks[0].rise
    {"nerve": {"checks": [{"type": "tcp", "fall": 1.5}]}}        | nerve.checks[0].fall
    {"nerve": {"check_interval": "soon"}}                        | nerve.check_interval
    {"nerve": {"weight": -1}}                                    | nerve.weight
    {"nerve": {"weight": 1.5}}                                   | nerve.weight
    {"nerve": {"weight": "heavy"}}                               | nerve.weight
    {"nerve": {"haproxy_server_options": 1}}                     | nerve.haproxy_server_options
    {"nerve": {"labels": "x"}}                                   | nerve.labels
    """)
  void namesTheFieldAtFault(String json, String field) {
    InvalidDefinitionException e = assertThrows(InvalidDefinitionException.class, () -> parse(json));
    assertEquals(field, e.field(), e.getMessage());
  }

  @Test
  void readsEveryNerveTypeAndDockers() throws Exception {
    Definition d = parse("""
      {"nerve": {"checks": [
        {"type": "http", "uri": "/h", "ssl": true, "headers": {"Host": "x"}, "open_timeout": 0.5, "read_timeout": 1},
        {"type": "tcp", "host": "10.0.0.1", "port": "5432"},
        {"type": "redis", "port": 6379, "db": 2},
        {"type": "mysql", "dbname": "d", "user": "u", "password": ""},
        {"type": "postgresql", "dbname": "d", "user": "u", "password": "p"},
        {"type": "rabbitmq"}, {"type": "noop"}, {"type": "docker", "fall": 2}]}}""");
    assertEquals(List.of("http", "tcp", "redis", "mysql", "postgresql", "rabbitmq", "noop", "docker"),
      d.checks().stream().map(Check::type).toList());
    assertEquals("10.0.0.1", d.checks().get(1).host());
    assertEquals(5432, d.checks().get(1).port());
    assertEquals(2, d.checks().get(7).fall());
  }

  @Test
  void namesTheKnownTypesWhenOneIsNot() {
    InvalidDefinitionException e = assertThrows(InvalidDefinitionException.class,
      () -> parse("{\"nerve\": {\"checks\": [{\"type\": \"ping\"}]}}"));
    assertTrue(e.getMessage().contains("unknown check type 'ping' (one of http, tcp, redis, mysql, postgresql, rabbitmq, noop, docker)"),
      e.getMessage());
  }

  @Test
  void refusesAnEmptyNode() {
    InvalidDefinitionException e = assertThrows(InvalidDefinitionException.class,
      () -> DefinitionParser.parse("dev", "app", 1, new byte[0], CheckTypes.standard()));
    assertTrue(e.getMessage().contains("empty"));
  }

  @Test
  void refusesIllegalNames() {
    assertEquals("app", assertThrows(InvalidDefinitionException.class,
      () -> DefinitionParser.parse("dev", "..", 1, "{\"nerve\":{}}".getBytes(), CheckTypes.standard())).field());
    assertEquals("env", assertThrows(InvalidDefinitionException.class,
      () -> DefinitionParser.parse("d v", "app", 1, "{\"nerve\":{}}".getBytes(), CheckTypes.standard())).field());
  }
}
