package dev.pharos.etcd;

import dev.pharos.testing.FreePorts;

import java.io.File;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real etcd server (Debian's {@code etcd-server}, {@code /usr/bin/etcd}) on free loopback
 * ports with its own data directory, for tests. It can be stopped and started again on the
 * same ports and data, as an operator's restart would.
 */
public final class EtcdServer implements AutoCloseable {

  private final Path dataDir;
  private final int clientPort;
  private final int peerPort;
  private Process process;

  public EtcdServer(Path dataDir) throws IOException {
    this.dataDir = dataDir;
    java.util.List<Integer> ports = FreePorts.some(2); // distinct: two picks in a row may repeat
    this.clientPort = ports.get(0);
    this.peerPort = ports.get(1);
  }

  public static EtcdServer start(Path dataDir) throws IOException, InterruptedException {
    EtcdServer server = new EtcdServer(dataDir);
    server.start();
    return server;
  }


  public String endpoint() {
    return "http://127.0.0.1:" + clientPort;
  }

  public int clientPort() {
    return clientPort;
  }

  public void start() throws IOException, InterruptedException {
    Files.createDirectories(dataDir);
    String client = endpoint();
    String peer = "http://127.0.0.1:" + peerPort;
    Path log = dataDir.resolveSibling(dataDir.getFileName() + ".log");
    process = new ProcessBuilder(List.of(System.getProperty("pharos.etcd.binary", "/usr/bin/etcd"),
      "--name", "test", "--data-dir", dataDir.toString(),
      "--listen-client-urls", client, "--advertise-client-urls", client,
      "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
      "--initial-cluster", "test=" + peer, "--log-level", "warn"))
      .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("etcd exited with " + process.exitValue() + "; see " + log);
      }
      try (Socket s = new Socket("127.0.0.1", clientPort)) {
        return;
      } catch (IOException notYet) {
        Thread.sleep(50);
      }
    }
    throw new IOException("etcd did not listen on " + client + " within 20 s; see " + log);
  }

  public void stop() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    }
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }

  public File dataDir() {
    return dataDir.toFile();
  }
}
