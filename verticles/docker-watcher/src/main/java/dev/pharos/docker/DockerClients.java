package dev.pharos.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;

import java.time.Duration;

/** docker-java clients on the httpclient5 transport, for a {@code unix://} or {@code tcp://} host. */
public final class DockerClients {

  private DockerClients() {
  }

  public static DockerClient create(String dockerHost) {
    DockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder()
      .withDockerHost(dockerHost)
      .build();
    ApacheDockerHttpClient http = new ApacheDockerHttpClient.Builder()
      .dockerHost(config.getDockerHost())
      .sslConfig(config.getSSLConfig())
      .maxConnections(16)
      .connectionTimeout(Duration.ofSeconds(5))
      .build();
    return DockerClientImpl.getInstance(config, http);
  }
}
