package dev.pharos.model;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;

/**
 * A running container as the docker watcher saw it.
 *
 * @param hostNetwork true for {@code --net=host}, where the {@code sd-port} label names the port
 */
public record Container(String id, String name, String image, Map<String, String> labels,
                        List<PortBinding> ports, boolean hostNetwork) {

  public static final String LABEL_NAME = "sd-name";
  public static final String LABEL_ENV = "sd-env";
  public static final String LABEL_PORT = "sd-port";

  public String shortId() {
    return id.length() > 12 ? id.substring(0, 12) : id;
  }

  public boolean isLabelled() {
    return labels.containsKey(LABEL_NAME) || labels.containsKey(LABEL_ENV);
  }

  public JsonObject toJson() {
    JsonArray portsJson = new JsonArray();
    ports.forEach(p -> portsJson.add(p.toJson()));
    JsonObject labelsJson = new JsonObject();
    labels.forEach(labelsJson::put);
    return new JsonObject().put("id", id).put("name", name).put("image", image).put("labels", labelsJson)
      .put("ports", portsJson).put("hostNetwork", hostNetwork);
  }

  public static Container fromJson(JsonObject json) {
    Map<String, String> labels = new java.util.TreeMap<>();
    json.getJsonObject("labels", new JsonObject()).forEach(e -> labels.put(e.getKey(), String.valueOf(e.getValue())));
    List<PortBinding> ports = json.getJsonArray("ports", new JsonArray()).stream()
      .map(o -> PortBinding.fromJson((JsonObject) o)).toList();
    return new Container(json.getString("id"), json.getString("name"), json.getString("image"),
      Map.copyOf(labels), ports, json.getBoolean("hostNetwork", false));
  }
}
