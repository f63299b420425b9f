package dev.pharos.harness;

import dev.pharos.launcher.Pharos;
import io.vertx.core.json.JsonObject;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.pharos.harness.Harness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * A registration made by replacing another znode of its instance (an earlier owner's, an
 * earlier session's) is held like one made by a plain create: when its container goes, so does
 * its znode. The node connects through a chroot, as every harness node does.
 */
class ReplacedRegistrationIT extends EndToEndTest {

  private static final String PARENT = "/env/dev/sd/replaced/sd";

  /**
   * Guards a bug found here: the path of a ZooKeeper multi's create result keeps the client's
   * chroot (Debian's ZooKeeper 3.8 server), so the registrar's delete of it, through the same
   * chrooted client, found nothing and the znode stayed until the session ended.
   */
  @Test
  void aReplacingRegistrationGoesWithItsContainer() throws Exception {
    String hostId = "replaced-" + harness.runId();
    JsonObject verticles = new JsonObject();
    List.of("docker-watcher", "definition-watcher", "health-checker", "registrar", "api")
      .forEach(s -> verticles.put(s, new JsonObject()));
    Pharos node = harness.start(harness.conf(hostId, new JsonObject().put("verticles", verticles)));
    harness.define("dev", "replaced", """
      {"nerve": {"check_interval": 0.2, "checks": [{"type": "tcp", "timeout": 1}]}}""");
    String container = harness.createHttpd(Map.of("sd-env", "dev", "sd-name", "replaced"), Harness.freePort());
    String instanceId = hostId + "-" + Harness.shortId(container);
    // what an earlier owner left: an ephemeral znode of the instance, here in the test's session
    String stale = harness.zk().create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL_SEQUENTIAL)
      .forPath(PARENT + "/" + instanceId + "_", "{}".getBytes());
    harness.docker().startContainerCmd(container).exec();
    await("registered in place of the stale znode", () -> {
      List<String> now = harness.zk().getChildren().forPath(PARENT);
      return now.size() == 1 && !stale.endsWith(now.get(0));
    });
    String registered = harness.zk().getChildren().forPath(PARENT).get(0);
    assertNotEquals(stale.substring(stale.lastIndexOf('/') + 1), registered);

    harness.remove(container);
    try {
      await("the removed container's znode gone", Duration.ofSeconds(15),
        () -> harness.zk().getChildren().forPath(PARENT).isEmpty());
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + ": still there " + harness.zk().getChildren().forPath(PARENT)
        + ", registered as " + registered + " (later replacements by the reconcile show as other numbers)", e);
    }
    assertEquals(List.of(), harness.zk().getChildren().forPath(PARENT));
    harness.stop(node);
  }
}
