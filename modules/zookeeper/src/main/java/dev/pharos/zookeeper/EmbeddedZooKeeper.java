package dev.pharos.zookeeper;

import io.vertx.core.json.JsonObject;
import org.apache.zookeeper.server.embedded.ExitHandler;
import org.apache.zookeeper.server.embedded.ZooKeeperServerEmbedded;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * The in-process ZooKeeper server Pharos runs when no {@code ZK_HOSTS} is given. Its data
 * directory comes from the conf, so registrations' definitions survive a restart.
 */
public final class EmbeddedZooKeeper implements AutoCloseable {

  private final ZooKeeperServerEmbedded server;
  private final String connectString;
  private final Path dataDir;

  private EmbeddedZooKeeper(ZooKeeperServerEmbedded server, String connectString, Path dataDir) {
    this.server = server;
    this.connectString = connectString;
    this.dataDir = dataDir;
  }

  /** Starts a standalone server from {@code zookeeper.embedded}: host, port, dataDir. Blocking. */
  public static EmbeddedZooKeeper start(JsonObject embeddedConf) throws Exception {
    Path dataDir = Path.of(embeddedConf.getString("dataDir", "data/zookeeper")).toAbsolutePath();
    Files.createDirectories(dataDir);
    String host = embeddedConf.getString("host", "127.0.0.1");
    int port = embeddedConf.getInteger("port", 2181);
    Properties props = new Properties();
    props.setProperty("clientPort", Integer.toString(port));
    props.setProperty("clientPortAddress", host);
    props.setProperty("dataDir", dataDir.resolve("data").toString());
    props.setProperty("tickTime", "2000");
    props.setProperty("maxClientCnxns", "0");
    // The AdminServer would pull in Jetty; the four-letter words are enough here.
    props.setProperty("admin.enableServer", "false");
    props.setProperty("4lw.commands.whitelist", "ruok,stat,mntr,srvr");
    ZooKeeperServerEmbedded server = ZooKeeperServerEmbedded.builder()
      .baseDir(dataDir)
      .configuration(props)
      .exitHandler(ExitHandler.LOG_ONLY)
      .build();
    server.start(30_000);
    return new EmbeddedZooKeeper(server, host + ":" + port, dataDir);
  }

  public String connectString() {
    return connectString;
  }

  public Path dataDir() {
    return dataDir;
  }

  @Override
  public void close() {
    server.close();
  }
}
