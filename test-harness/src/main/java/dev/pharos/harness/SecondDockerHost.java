package dev.pharos.harness;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.model.HostConfig;
import dev.pharos.docker.DockerClients;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The second Docker host that {@code test-harness/second-dockerd.sh} runs on this machine (its
 * socket in {@code PHAROS_TEST_DOCKER_B}), so a test can cluster nodes that each watch a real
 * dockerd of their own. It has no bridge: its containers use the host's network and serve on a
 * loopback port of their own, named by their {@code sd-port} label.
 */
public final class SecondDockerHost implements AutoCloseable {

  private final DockerClient docker;
  private final String socket;
  private final String runId;

  SecondDockerHost(String runId) {
    this.socket = Harness.required("PHAROS_TEST_DOCKER_B");
    this.docker = DockerClients.create(socket);
    this.runId = runId;
  }

  /** The {@code docker.host} of a node that watches this host. */
  public String socket() {
    return socket;
  }

  /** Starts a busybox httpd on the host's network at {@code 127.0.0.1:port}, labelled {@code sd-port=port}. */
  public String runHttpd(Map<String, String> labels, int port) {
    Map<String, String> all = new HashMap<>(labels);
    all.put(Harness.RUN_LABEL, runId);
    all.put("sd-port", Integer.toString(port));
    String id;
    try (CreateContainerCmd create = docker.createContainerCmd(Harness.image())) {
      id = create.withCmd(List.of("httpd", "-f", "-p", "127.0.0.1:" + port, "-h", "/www")).withLabels(all)
        .withHostConfig(HostConfig.newHostConfig().withNetworkMode("host")).exec().getId();
    }
    docker.startContainerCmd(id).exec();
    return id;
  }

  public void remove(String id) {
    docker.removeContainerCmd(id).withForce(true).exec();
  }

  /** Removes this run's containers and closes the client. */
  @Override
  public void close() throws Exception {
    docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(Harness.RUN_LABEL, runId)).exec()
      .forEach(c -> remove(c.getId()));
    docker.close();
  }
}
