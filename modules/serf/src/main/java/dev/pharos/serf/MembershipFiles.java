package dev.pharos.serf;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * serf-handler's view of the cluster, rendered from a members snapshot: pure functions, so what a
 * file holds depends on the members only. Tags: {@code role} lists a node's service types
 * (comma-separated), {@code products} its products, and a tag named after each service type
 * gives that service's port (serf tags are strings, so ports are too). Only alive members count.
 */
public final class MembershipFiles {

  /** The hosts file block Pharos owns; the rest of the file is the operator's. */
  public static final String BLOCK_BEGIN = "# BEGIN pharos serf members";
  public static final String BLOCK_END = "# END pharos serf members";

  private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER));

  private MembershipFiles() {
  }

  /** A member whose tags cannot be rendered safely, and why. */
  public record Problem(String member, String reason) {
  }

  private static List<String> list(String tag) {
    List<String> values = new ArrayList<>();
    if (tag != null) {
      for (String v : tag.split(",")) {
        if (!v.isBlank()) {
          values.add(v.trim());
        }
      }
    }
    return values;
  }

  private static List<SerfMember> alive(List<SerfMember> members) {
    return members.stream().filter(m -> "alive".equals(m.status()))
      .sorted(Comparator.comparing(SerfMember::name)).toList();
  }

  /** Roles and products that would inject a line or a key are refused, with the member named. */
  public static List<Problem> problems(List<SerfMember> members) {
    List<Problem> problems = new ArrayList<>();
    for (SerfMember m : alive(members)) {
      for (String tag : List.of("role", "products")) {
        String raw = m.tags().get(tag);
        if (raw == null) {
          continue;
        }
        for (String value : raw.split(",")) {
          if (!value.isBlank() && !SAFE.matcher(value.trim()).matches()) {
            problems.add(new Problem(m.name(), "tag " + tag + " value '" + value.replaceAll("\\p{Cntrl}", "?")
              + "' is not a plain name (letters, digits, . _ -)"));
          }
        }
      }
    }
    return problems;
  }

  private static List<String> safe(List<String> values) {
    return values.stream().filter(v -> SAFE.matcher(v).matches()).toList();
  }

  /** Oldest first: the {@code timestamp} tag (seconds or millis of joining), then the name. */
  private static Comparator<SerfMember> oldestFirst() {
    return Comparator.<SerfMember>comparingLong(m -> {
      try {
        return Long.parseLong(m.tags().getOrDefault("timestamp", String.valueOf(Long.MAX_VALUE)).trim());
      } catch (NumberFormatException e) {
        return Long.MAX_VALUE;
      }
    }).thenComparing(SerfMember::name);
  }

  /** The {@code services.json} document: nodes, services with their endpoints, and products. */
  public static JsonObject services(List<SerfMember> members) {
    Map<String, JsonObject> nodes = new TreeMap<>();
    Map<String, JsonArray> services = new TreeMap<>();
    Map<String, Map<String, JsonArray>> products = new TreeMap<>();
    for (SerfMember m : alive(members)) {
      List<String> roles = safe(list(m.tags().get("role")));
      List<String> productNames = safe(list(m.tags().get("products")));
      nodes.put(m.name(), new JsonObject().put("ip", m.addr()).put("roles", new JsonArray(roles))
        .put("products", new JsonArray(productNames)));
      for (String role : roles) {
        JsonObject endpoint = new JsonObject().put("node", m.name()).put("ip", m.addr());
        String port = m.tags().get(role);
        if (port != null && port.trim().matches("\\d{1,5}")) {
          endpoint.put("port", Integer.parseInt(port.trim()));
        }
        services.computeIfAbsent(role, k -> new JsonArray()).add(endpoint);
        for (String product : productNames) {
          products.computeIfAbsent(product, k -> new TreeMap<>()).computeIfAbsent(role, k -> new JsonArray()).add(endpoint);
        }
      }
    }
    JsonObject productsJson = new JsonObject();
    products.forEach((product, byRole) -> {
      JsonObject roles = new JsonObject();
      byRole.forEach(roles::put);
      productsJson.put(product, roles);
    });
    JsonObject nodesJson = new JsonObject();
    nodes.forEach(nodesJson::put);
    JsonObject servicesJson = new JsonObject();
    services.forEach(servicesJson::put);
    return new JsonObject().put("nodes", nodesJson).put("services", servicesJson).put("products", productsJson);
  }

  /** The same document as YAML, for {@code services.yml}. */
  public static String servicesYaml(List<SerfMember> members) {
    try {
      return YAML.writeValueAsString(services(members).getMap());
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** One line {@code <ip> <role>} per role, the oldest alive member of the role winning. */
  public static List<String> hostLines(List<SerfMember> members) {
    Map<String, SerfMember> byRole = new TreeMap<>();
    for (SerfMember m : alive(members).stream().sorted(oldestFirst()).toList()) {
      for (String role : safe(list(m.tags().get("role")))) {
        byRole.putIfAbsent(role, m);
      }
    }
    List<String> lines = new ArrayList<>();
    byRole.forEach((role, m) -> lines.add(m.addr() + " " + role));
    return lines;
  }

  /**
   * {@code existing} (a hosts file's content) with Pharos's block replaced by {@code lines}, or
   * appended when there is none; everything outside the block is kept as it was.
   */
  public static String hostsFile(String existing, List<String> lines) {
    StringBuilder block = new StringBuilder(BLOCK_BEGIN).append('\n');
    lines.forEach(l -> block.append(l).append('\n'));
    block.append(BLOCK_END).append('\n');
    String text = existing == null ? "" : existing;
    int begin = text.indexOf(BLOCK_BEGIN + "\n");
    int end = begin < 0 ? -1 : text.indexOf(BLOCK_END, begin);
    if (begin >= 0 && end >= 0) {
      int after = text.indexOf('\n', end);
      return text.substring(0, begin) + block + (after < 0 ? "" : text.substring(after + 1));
    }
    return text + (text.isEmpty() || text.endsWith("\n") ? "" : "\n") + block;
  }

}
