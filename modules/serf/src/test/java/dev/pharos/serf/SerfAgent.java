package dev.pharos.serf;

import dev.pharos.testing.FreePorts;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A real serf agent (Debian's {@code serf}) on free loopback ports, for tests. */
public final class SerfAgent implements AutoCloseable {

  private final String name;
  private final int bindPort;
  private final int rpcPort;
  private final List<String> command;
  private final Path log;
  private Process process;

  private SerfAgent(String name, int bindPort, int rpcPort, List<String> command, Path log, Process process) {
    this.name = name;
    this.bindPort = bindPort;
    this.rpcPort = rpcPort;
    this.command = command;
    this.log = log;
    this.process = process;
  }


  /**
   * Starts an agent named {@code name} with {@code tags}, joining {@code join} when not null. Its
   * ports are free when picked but may be taken before serf binds them (the gossip port by UDP
   * too): an agent that exits saying so is started again on other ports.
   */
  public static SerfAgent start(String name, Map<String, String> tags, SerfAgent join, String authKey, Path log)
    throws IOException, InterruptedException {
    for (int attempt = 1; ; attempt++) {
      List<Integer> ports = FreePorts.some(2); // distinct: held open together
      int bind = ports.get(0);
      int rpc = ports.get(1);
      List<String> cmd = new ArrayList<>(List.of("serf", "agent", "-node", name, "-bind", "127.0.0.1:" + bind,
        "-rpc-addr", "127.0.0.1:" + rpc, "-log-level", "warn"));
      tags.forEach((k, v) -> cmd.addAll(List.of("-tag", k + "=" + v)));
      if (join != null) {
        cmd.addAll(List.of("-join", "127.0.0.1:" + join.bindPort));
      }
      if (authKey != null) {
        // serf reads the RPC auth key from a config file only
        Path config = log.resolveSibling(name + "-auth.json");
        Files.writeString(config, "{\"rpc_auth\": \"" + authKey + "\"}");
        cmd.addAll(List.of("-config-file", config.toString()));
      }
      try {
        return new SerfAgent(name, bind, rpc, List.copyOf(cmd), log, launch(name, cmd, rpc, log));
      } catch (IOException e) {
        if (attempt == 3 || !e.getMessage().contains("address already in use")) {
          throw e;
        }
      }
    }
  }

  private static Process launch(String name, List<String> cmd, int rpc, Path log) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(cmd).redirectErrorStream(true)
      .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("serf agent " + name + " exited with " + process.exitValue() + ": " + tail(log));
      }
      try (Socket s = new Socket("127.0.0.1", rpc)) {
        return process;
      } catch (IOException notYet) {
        Thread.sleep(50);
      }
    }
    process.destroyForcibly();
    throw new IOException("serf agent " + name + " did not listen for RPC within 20 s: " + tail(log));
  }

  /** The end of the agent's log, which says why it stopped: the test's temporary directory goes with it. */
  private static String tail(Path log) throws IOException {
    String text = Files.exists(log) ? Files.readString(log) : "";
    return "(" + log + ") " + text.substring(Math.max(0, text.length() - 2000)).strip();
  }

  /** Stops the agent and starts it again on the same ports and tags, as an operator's restart would. */
  public void restart() throws IOException, InterruptedException {
    close();
    process = launch(name, command, rpcPort, log);
  }

  /** Kills the agent with SIGKILL, as a crash would; {@link #relaunch()} starts it again. */
  public void kill() throws InterruptedException {
    process.destroyForcibly().waitFor();
  }

  /** Starts a stopped or killed agent again on the same ports and tags. */
  public void relaunch() throws IOException, InterruptedException {
    process = launch(name, command, rpcPort, log);
  }

  public String name() {
    return name;
  }

  public int rpcPort() {
    return rpcPort;
  }

  public int bindPort() {
    return bindPort;
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
  }
}
