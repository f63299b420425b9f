package dev.pharos.harness.bench;

import dev.pharos.harness.Harness;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Debian's ZooKeeper ({@code /usr/share/java/zookeeper.jar}) as an ensemble of {@code servers}
 * processes on free loopback ports, as {@code deploy/ensemble/start.sh} starts it, with its data
 * under the benchmark's own directory; stopped (and its data left for the temp dir's owner) by
 * {@link #close()}. Its four-letter words tell how many requests each client connection sent
 * ({@code cons}), which is how the benchmark counts a node's ZooKeeper requests.
 */
final class ZkEnsemble implements AutoCloseable {

  /** One line of {@code cons}: {@code /127.0.0.1:54321[1](queued=0,recved=12,sent=13,...)}. */
  private static final Pattern CONNECTION = Pattern.compile("/127\\.0\\.0\\.1:(\\d+)\\[\\d+]\\(.*?recved=(\\d+),sent=(\\d+)");

  private final List<Process> processes = new ArrayList<>();
  private final List<Integer> clientPorts = new ArrayList<>();

  private ZkEnsemble() {
    // a benchmark stopped by a signal runs no finally block: its servers go with it all the same
    Runtime.getRuntime().addShutdownHook(new Thread(this::close));
  }

  /** Starts {@code servers} servers (1 or 3) of {@code heapMb} each under {@code dir}; waits up to 60 s for each to serve. */
  static ZkEnsemble start(Path dir, int servers, int heapMb) throws Exception {
    ZkEnsemble ensemble = new ZkEnsemble();
    List<Integer> ports = Harness.freePorts(3 * servers);
    StringBuilder peers = new StringBuilder();
    for (int i = 1; i <= servers && servers > 1; i++) {
      peers.append("server.").append(i).append("=127.0.0.1:").append(ports.get(servers + i - 1)).append(':')
        .append(ports.get(2 * servers + i - 1)).append('\n');
    }
    try {
      for (int i = 1; i <= servers; i++) {
        Path home = Files.createDirectories(dir.resolve("zk" + i));
        Files.createDirectories(home.resolve("data"));
        Files.writeString(home.resolve("data/myid"), i + "\n");
        int clientPort = ports.get(i - 1);
        ensemble.clientPorts.add(clientPort);
        Path cfg = Files.writeString(home.resolve("zoo.cfg"), "tickTime=1000\ninitLimit=30\nsyncLimit=10\n"
          + "dataDir=" + home.resolve("data") + "\nclientPort=" + clientPort + "\nclientPortAddress=127.0.0.1\n"
          + "maxClientCnxns=0\nadmin.enableServer=false\n4lw.commands.whitelist=ruok,stat,srvr,mntr,cons\n" + peers);
        ensemble.processes.add(new ProcessBuilder("java", "-Xmx" + heapMb + "m", "-XX:+UseSerialGC",
          "-Dzookeeper.log.dir=" + home, "-cp", "/etc/zookeeper/conf_example:/usr/share/java/zookeeper.jar",
          "org.apache.zookeeper.server.quorum.QuorumPeerMain", cfg.toString())
          .redirectErrorStream(true).redirectOutput(home.resolve("server.log").toFile()).start());
      }
      for (int port : ensemble.clientPorts) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!ensemble.word(port, "srvr").contains("Mode: ")) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("ZooKeeper on 127.0.0.1:" + port + " did not serve in 60 s; see " + dir);
          }
          Thread.sleep(250);
        }
      }
    } catch (Exception e) {
      ensemble.close();
      throw e;
    }
    return ensemble;
  }

  String connect() {
    return clientPorts.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
  }

  int servers() {
    return processes.size();
  }

  List<Process> processes() {
    return processes;
  }

  /** A four-letter word's answer, or "" when the server does not answer within 5 s. */
  String word(int port, String word) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
      socket.setSoTimeout(5000);
      OutputStream out = socket.getOutputStream();
      out.write(word.getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream answer = new ByteArrayOutputStream();
      in.transferTo(answer);
      return answer.toString(StandardCharsets.US_ASCII);
    } catch (IOException e) {
      return "";
    }
  }

  /**
   * Requests (packets ZooKeeper received, pings included) over every connection that process
   * {@code pid} holds to this ensemble, summed: its client-side ports are found with {@code ss}.
   */
  long requestsFrom(long pid) throws Exception {
    Set<Integer> local = clientPortsOf(pid);
    long sum = 0;
    for (int port : clientPorts) {
      Matcher m = CONNECTION.matcher(word(port, "cons"));
      while (m.find()) {
        if (local.contains(Integer.parseInt(m.group(1)))) {
          sum += Long.parseLong(m.group(2));
        }
      }
    }
    return sum;
  }

  /** The local ports of {@code pid}'s TCP connections to the ensemble's client ports. */
  private Set<Integer> clientPortsOf(long pid) throws Exception {
    Process ss = new ProcessBuilder("ss", "-Htnp", "state", "established").redirectErrorStream(true).start();
    String out = new String(ss.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    ss.waitFor(10, TimeUnit.SECONDS);
    Set<Integer> ports = new HashSet<>();
    for (String line : out.split("\n")) {
      if (!line.contains("pid=" + pid + ",")) {
        continue;
      }
      String[] f = line.trim().split("\\s+");
      // Recv-Q Send-Q Local:Port Peer:Port Process
      String localAddress = f[2];
      String peer = f[3];
      int peerPort = Integer.parseInt(peer.substring(peer.lastIndexOf(':') + 1));
      if (clientPorts.contains(peerPort)) {
        ports.add(Integer.parseInt(localAddress.substring(localAddress.lastIndexOf(':') + 1)));
      }
    }
    return ports;
  }

  /** Resident set size of each server, in MiB. */
  List<Double> rssMib() throws Exception {
    List<Double> rss = new ArrayList<>();
    for (Process p : processes) {
      rss.add(ScaleNode.rssMib(p.pid()));
    }
    return rss;
  }

  @Override
  public void close() {
    processes.forEach(Process::destroy);
    for (Process p : processes) {
      try {
        if (!p.waitFor(15, TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
