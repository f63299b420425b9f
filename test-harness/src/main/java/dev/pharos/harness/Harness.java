package dev.pharos.harness;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Ports;
import dev.pharos.PharosConfig;
import dev.pharos.bus.Addresses;
import dev.pharos.docker.DockerClients;
import dev.pharos.launcher.Pharos;
import dev.pharos.testing.Await;
import dev.pharos.testing.FreePorts;
import dev.pharos.zookeeper.ZooKeeperClients;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * What the end-to-end tests and the benchmark share: the real servers that
 * {@code test-harness/setup.sh} started (their addresses come in {@code PHAROS_TEST_*}), a
 * ZooKeeper chroot of its own per use, containers labelled so they are removed afterwards, and
 * Pharos nodes started in-process on that chroot.
 */
public final class Harness implements AutoCloseable {

  public static final String RUN_LABEL = "pharos-test-run";

  private final String connect;
  private final String chroot;
  private final String runId;
  private final CuratorFramework zk;
  private final DockerClient docker;
  private final List<Pharos> nodes = new ArrayList<>();
  private SecondDockerHost hostB;
  private boolean closed;

  public Harness() throws Exception {
    String server = required("PHAROS_TEST_ZK");
    runId = UUID.randomUUID().toString().substring(0, 8);
    chroot = "/pharos-test-" + runId;
    try (CuratorFramework root = ZooKeeperClients.start(new JsonObject().put("connect", server))) {
      if (!root.blockUntilConnected(20, TimeUnit.SECONDS)) {
        throw new IllegalStateException("ZooKeeper at " + server + " is not reachable: run test-harness/setup.sh");
      }
      root.create().forPath(chroot);
    }
    connect = server + chroot;
    zk = ZooKeeperClients.start(new JsonObject().put("connect", connect));
    zk.blockUntilConnected(20, TimeUnit.SECONDS);
    docker = DockerClients.create(System.getenv().getOrDefault("PHAROS_TEST_DOCKER", "unix:///var/run/docker.sock"));
  }

  public static String required(String variable) {
    String value = System.getenv(variable);
    if (value == null) {
      throw new IllegalStateException(variable + " is not set: run the tests through test-harness/run-tests.sh");
    }
    return value;
  }

  public static String image() {
    return System.getenv().getOrDefault("PHAROS_TEST_IMAGE", "pharos-test/busybox:2");
  }

  /** The ZooKeeper connect string of this harness's chroot. */
  public String connect() {
    return connect;
  }

  /** This harness's ZooKeeper chroot ({@code /pharos-test-<runId>}), to append to another address (a proxy's). */
  public String chroot() {
    return chroot;
  }

  public String runId() {
    return runId;
  }

  public CuratorFramework zk() {
    return zk;
  }

  public DockerClient docker() {
    return docker;
  }

  /** The second Docker host on this machine (test-harness/second-dockerd.sh), started on first use. */
  public synchronized SecondDockerHost hostB() {
    if (hostB == null) {
      hostB = new SecondDockerHost(runId);
    }
    return hostB;
  }

  /** A resolved node conf on this chroot: api on a free port, quick reconciles; {@code overrides} last. */
  public JsonObject conf(String instanceId, JsonObject overrides) {
    JsonObject base = new JsonObject()
      .put("instanceId", instanceId)
      .put("hostIp", "127.0.0.1")
      .put("zookeeper", new JsonObject().put("connect", connect).put("sessionTimeoutMs", 10_000))
      .put("docker", new JsonObject().put("host", System.getenv().getOrDefault("PHAROS_TEST_DOCKER", "unix:///var/run/docker.sock")))
      .put("api", new JsonObject().put("port", 0))
      // a free port for each node's DNS stage, UDP and TCP alike (several nodes share this machine)
      .put("dns", new JsonObject().put("port", 0))
      .put("registrar", new JsonObject().put("reconcileIntervalMs", 1000));
    return PharosConfig.resolve(base.mergeIn(overrides, true), Map.of());
  }

  public Pharos start(JsonObject conf) throws Exception {
    Pharos node = Pharos.start(conf).await(60, TimeUnit.SECONDS);
    nodes.add(node);
    return node;
  }

  public void stop(Pharos node) throws Exception {
    nodes.remove(node);
    node.close().await(30, TimeUnit.SECONDS);
  }

  /** The base URL of the api running on {@code node}. */
  public static String api(Pharos node) throws Exception {
    // local only: on a clustered bus another node's api could answer
    JsonObject status = node.vertx().eventBus().<JsonObject>request(Addresses.status(Addresses.API), new JsonObject(),
      new DeliveryOptions().setLocalOnly(true)).await(10, TimeUnit.SECONDS).body();
    return "http://" + status.getJsonObject("details").getString("listen");
  }

  /** The port the DNS stage running on {@code node} answers on, UDP and TCP. */
  public static int dnsPort(Pharos node) throws Exception {
    JsonObject status = node.vertx().eventBus().<JsonObject>request(Addresses.status(Addresses.DNS), new JsonObject(),
      new DeliveryOptions().setLocalOnly(true)).await(10, TimeUnit.SECONDS).body();
    String udp = status.getJsonObject("details").getJsonObject("listen").getString("udp");
    return Integer.parseInt(udp.substring(udp.lastIndexOf(':') + 1));
  }

  /** Writes (creates or replaces) a definition at {@code /env/{env}/sd/{app}}. */
  public void define(String env, String app, String json) throws Exception {
    String path = "/env/" + env + "/sd/" + app;
    byte[] data = json.getBytes();
    if (zk.checkExists().forPath(path) == null) {
      zk.create().creatingParentsIfNeeded().forPath(path, data);
    } else {
      zk.setData().forPath(path, data);
    }
  }

  /** Nerve registrations under {@code /env/{env}/sd/{app}/sd}: child name to data. */
  public Map<String, JsonObject> registrations(String env, String app) throws Exception {
    String parent = "/env/" + env + "/sd/" + app + "/sd";
    Map<String, JsonObject> found = new HashMap<>();
    try {
      for (String child : zk.getChildren().forPath(parent)) {
        try {
          found.put(child, new JsonObject(new String(zk.getData().forPath(parent + "/" + child))));
        } catch (KeeperException.NoNodeException gone) {
          // deleted between the listing and the read
        }
      }
    } catch (KeeperException.NoNodeException e) {
      return Map.of();
    }
    return found;
  }

  /** Starts a busybox httpd serving {@code /www} on container port 80, published on a random loopback port. */
  public String runHttpd(Map<String, String> labels) {
    return run(labels, List.of("httpd", "-f", "-p", "80", "-h", "/www"), 80);
  }

  /** Starts a container of the test image with {@code cmd}, publishing {@code ports} on random loopback ports. */
  public String run(Map<String, String> labels, List<String> cmd, int... ports) {
    Ports bindings = new Ports();
    for (int port : ports) {
      bindings.bind(ExposedPort.tcp(port), Ports.Binding.bindIp("127.0.0.1"));
    }
    String id = create(labels, cmd, bindings);
    docker.startContainerCmd(id).exec();
    return id;
  }

  /** Starts a container of the test image on the host's network ({@code --net=host}) running {@code cmd}. */
  public String runOnHostNetwork(Map<String, String> labels, List<String> cmd) {
    String id = create(labels, cmd, HostConfig.newHostConfig().withNetworkMode("host"), List.of());
    docker.startContainerCmd(id).exec();
    return id;
  }

  /**
   * Creates a user-defined bridge network ({@code docker network create}) named after this run;
   * {@link #close()} removes it.
   */
  public String createNetwork(String suffix) {
    String name = "pharos-test-" + runId + "-" + suffix;
    docker.createNetworkCmd().withName(name).withDriver("bridge").withLabels(Map.of(RUN_LABEL, runId)).exec();
    return name;
  }

  /**
   * Starts a container of the test image on {@code network} alone ({@code docker run --net=<network>}),
   * publishing nothing; {@code exposed} are its {@code --expose} ports.
   */
  public String runOnNetwork(String network, Map<String, String> labels, List<String> cmd, int... exposed) {
    String id = createOnNetwork(network, labels, cmd, exposed);
    docker.startContainerCmd(id).exec();
    return id;
  }

  /** The same, created and not started ({@code docker create}). */
  public String createOnNetwork(String network, Map<String, String> labels, List<String> cmd, int... exposed) {
    return create(labels, cmd, HostConfig.newHostConfig().withNetworkMode(network),
      java.util.Arrays.stream(exposed).mapToObj(ExposedPort::tcp).toList());
  }

  /**
   * Starts a container of the test image joined to {@code joined}'s network namespace
   * ({@code --net=container:<joined>}), as an ambassador's consumer is, with {@code env}.
   */
  public String runJoined(String joined, Map<String, String> env, List<String> cmd) {
    HostConfig hostConfig = HostConfig.newHostConfig().withNetworkMode("container:" + joined);
    String id = create(c -> c.withEnv(env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList()),
      Map.of(), cmd, hostConfig, List.of());
    docker.startContainerCmd(id).exec();
    return id;
  }

  /** Starts a container named {@code name} running {@code cmd} with host directory {@code dir} bind-mounted at {@code mountPoint}. */
  public String runMounted(String name, Path dir, String mountPoint, List<String> cmd) {
    HostConfig hostConfig = HostConfig.newHostConfig().withBinds(new com.github.dockerjava.api.model.Bind(dir.toString(),
      new com.github.dockerjava.api.model.Volume(mountPoint)));
    String id = create(c -> c.withName(name), Map.of(), cmd, hostConfig, List.of());
    docker.startContainerCmd(id).exec();
    return id;
  }

  /**
   * Starts a busybox httpd as {@link #runHttpd} does, with a Docker HEALTHCHECK
   * ({@code docker run --health-cmd 'test -f /tmp/healthy' --health-interval 200ms --health-retries 1}):
   * healthy while {@code /tmp/healthy} exists.
   */
  public String runHttpdWithHealthcheck(Map<String, String> labels) {
    Ports bindings = new Ports();
    bindings.bind(ExposedPort.tcp(80), Ports.Binding.bindIp("127.0.0.1"));
    long interval = Duration.ofMillis(200).toNanos();
    String id = create(c -> c.withHealthcheck(new com.github.dockerjava.api.model.HealthCheck()
        .withTest(List.of("CMD-SHELL", "test -f /tmp/healthy")).withInterval(interval).withTimeout(Duration.ofSeconds(2).toNanos())
        .withRetries(1).withStartPeriod(0L)),
      labels, List.of("httpd", "-f", "-p", "80", "-h", "/www"), HostConfig.newHostConfig().withPortBindings(bindings),
      List.copyOf(bindings.getBindings().keySet()));
    docker.startContainerCmd(id).exec();
    return id;
  }

  /** Creates, without starting, a busybox httpd on container port 80 published on loopback {@code hostPort}. */
  public String createHttpd(Map<String, String> labels, int hostPort) {
    Ports bindings = new Ports();
    bindings.bind(ExposedPort.tcp(80), Ports.Binding.bindIpAndPort("127.0.0.1", hostPort));
    return create(labels, List.of("httpd", "-f", "-p", "80", "-h", "/www"), bindings);
  }

  private String create(Map<String, String> labels, List<String> cmd, Ports bindings) {
    return create(labels, cmd, HostConfig.newHostConfig().withPortBindings(bindings),
      List.copyOf(bindings.getBindings().keySet()));
  }

  /** Every test container carries the run label, so {@link #close()} removes it. */
  private String create(Map<String, String> labels, List<String> cmd, HostConfig hostConfig, List<ExposedPort> exposed) {
    return create(c -> c, labels, cmd, hostConfig, exposed);
  }

  /** {@code more} adds what a kind of container needs besides (a name, an environment). */
  private String create(java.util.function.UnaryOperator<CreateContainerCmd> more, Map<String, String> labels, List<String> cmd,
                        HostConfig hostConfig, List<ExposedPort> exposed) {
    Map<String, String> all = new HashMap<>(labels);
    all.put(RUN_LABEL, runId);
    try (CreateContainerCmd create = docker.createContainerCmd(image())) {
      return more.apply(create.withCmd(cmd).withLabels(all).withExposedPorts(exposed).withHostConfig(hostConfig)).exec().getId();
    }
  }

  /** The loopback host port Docker bound {@code containerPort} of {@code id} to. */
  public int hostPort(String id, int containerPort) {
    Ports.Binding[] b = docker.inspectContainerCmd(id).exec().getNetworkSettings().getPorts().getBindings()
      .get(ExposedPort.tcp(containerPort));
    return Integer.parseInt(b[0].getHostPortSpec());
  }

  public void exec(String id, String... cmd) throws InterruptedException {
    execOutput(id, cmd);
  }

  /** Runs {@code cmd} in container {@code id} ({@code docker exec}) and returns what it wrote to stdout and stderr. */
  public String execOutput(String id, String... cmd) throws InterruptedException {
    String exec = docker.execCreateCmd(id).withCmd(cmd).withAttachStdout(true).withAttachStderr(true).exec().getId();
    StringBuilder out = new StringBuilder();
    docker.execStartCmd(exec).exec(new ResultCallback.Adapter<Frame>() {
      @Override
      public void onNext(Frame frame) {
        synchronized (out) {
          out.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
        }
      }
    }).awaitCompletion(20, TimeUnit.SECONDS);
    synchronized (out) {
      return out.toString();
    }
  }

  /** {@code java -jar pharos-all.jar --conf F [options]} as a process of its own, as a user runs it; output to {@code log}. */
  public static Process launch(Path conf, Path log, String... options) throws IOException {
    return launch(List.of(), conf, log, options);
  }

  /** The same with JVM options before {@code -jar} ({@code @deploy/jvm.options}, say). */
  public static Process launch(List<String> jvmOptions, Path conf, Path log, String... options) throws IOException {
    String jar = System.getProperty("pharos.jar", "../deploy/target/pharos-all.jar");
    if (!new java.io.File(jar).isFile()) {
      throw new IllegalStateException("the runnable jar " + jar + " is built by the deploy module");
    }
    List<String> command = new ArrayList<>(List.of("java", "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir")));
    command.addAll(jvmOptions);
    command.addAll(List.of("-jar", jar, "--conf", conf.toString()));
    command.addAll(List.of(options));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().remove("ZK_HOSTS");
    pb.environment().remove("ETCD_ENDPOINTS");
    pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    return pb.start();
  }

  public void remove(String id) {
    docker.removeContainerCmd(id).withForce(true).exec();
  }

  /** A loopback port free right now. */
  public static int freePort() {
    return FreePorts.one();
  }

  /** {@code n} distinct loopback ports free right now. */
  public static List<Integer> freePorts(int n) {
    return FreePorts.some(n);
  }

  public static String shortId(String id) {
    return id.substring(0, 12);
  }

  /** Polls {@code condition} until it holds; fails naming {@code what} after {@code timeout}. */
  public static void await(String what, Duration timeout, Callable<Boolean> condition) throws Exception {
    Await.until(what, timeout, condition);
  }

  public static void await(String what, Callable<Boolean> condition) throws Exception {
    await(what, Duration.ofSeconds(30), condition);
  }

  /** Idempotent: a test that must stop its nodes before its own servers closes the harness early. */
  @Override
  public void close() throws Exception {
    if (closed) {
      return;
    }
    closed = true;
    for (Pharos node : List.copyOf(nodes)) {
      stop(node);
    }
    docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(RUN_LABEL, runId)).exec()
      .forEach(c -> remove(c.getId()));
    docker.listNetworksCmd().withFilter("label", List.of(RUN_LABEL + "=" + runId)).exec()
      .forEach(n -> docker.removeNetworkCmd(n.getId()).exec());
    if (hostB != null) {
      hostB.close();
    }
    try {
      zk.delete().deletingChildrenIfNeeded().forPath("/");
    } catch (Exception e) {
      // best effort: the chroot is unique to this run anyway
    }
    zk.close();
    docker.close();
  }
}
