package dev.pharos.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import com.github.dockerjava.transport.DockerHttpClient;

import java.time.Duration;

/** docker-java clients on the httpclient5 transport, for a {@code unix://} or {@code tcp://} host. */
public final class DockerClients {

  private DockerClients() {
  }

  public static DockerClient create(String dockerHost) {
    return create(dockerHost, http(dockerHost));
  }

  /** A client on an HTTP transport the caller also uses for raw requests (Docker's own JSON). */
  public static DockerClient create(String dockerHost, DockerHttpClient http) {
    return DockerClientImpl.getInstance(config(dockerHost), http);
  }

  public static DockerHttpClient http(String dockerHost) {
    DockerClientConfig config = config(dockerHost);
    return new ApacheDockerHttpClient.Builder()
      .dockerHost(config.getDockerHost())
      .sslConfig(config.getSSLConfig())
      .maxConnections(16)
      .connectionTimeout(Duration.ofSeconds(5))
      .build();
  }

  private static DockerClientConfig config(String dockerHost) {
    return DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(dockerHost).build();
  }
}
