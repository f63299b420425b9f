package dev.pharos.harness.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import static dev.pharos.harness.bench.DnsBench.ENV;

/** The DNS benchmark's peer: Debian's NSD, on a loopback port, serving the benchmark's records from a zone file. */
final class NsdServer {

  private NsdServer() {
  }

  /** The same records in NSD's zone file, and NSD on loopback with its tuning guide's settings. */
  static Process start(Path work, int port, int services, int instances, int cores) throws Exception {
    StringBuilder zone = new StringBuilder("$ORIGIN pharos.\n$TTL 5\n@ IN SOA ns.pharos. hostmaster.pharos. 1 3600 600 86400 5\n"
      + "@ IN NS ns.pharos.\nns IN A 127.0.0.1\n");
    for (int s = 0; s < services; s++) {
      for (int i = 0; i < instances; i++) {
        String address = DnsBench.address(s, i);
        zone.append("svc").append(s).append('.').append(ENV).append(" IN A ").append(address).append('\n');
        zone.append("svc").append(s).append('.').append(ENV).append(" IN SRV 1 1 ").append(8000 + i).append(' ')
          .append(hex(address)).append(".addr\n");
        zone.append(hex(address)).append(".addr IN A ").append(address).append('\n');
      }
    }
    Files.writeString(work.resolve("pharos.zone"), zone);
    String conf = String.join("\n",
      "server:",
      "  ip-address: 127.0.0.1@" + port,
      "  port: " + port,
      "  do-ip6: no",
      "  server-count: " + cores,   // one server per core, sharing the port (NSD's tuning guide)
      "  reuseport: yes",
      "  rrl-ratelimit: 0",         // Debian builds NSD with response rate limiting, 200 a second a source: off, as Pharos's
      "  rrl-whitelist-ratelimit: 0",
      "  database: \"\"",
      "  username: \"\"",
      "  chroot: \"\"",
      "  zonesdir: \"" + work + "\"",
      "  zonelistfile: \"" + work.resolve("zone.list") + "\"",
      "  xfrdfile: \"" + work.resolve("xfrd.state") + "\"",
      "  pidfile: \"" + work.resolve("nsd.pid") + "\"",
      "  logfile: \"" + work.resolve("nsd.log") + "\"",
      "  verbosity: 1",
      "remote-control:",
      "  control-enable: no",
      "zone:",
      "  name: pharos.",
      "  zonefile: pharos.zone",
      "");
    Path confFile = Files.writeString(work.resolve("nsd.conf"), conf);
    Process nsd = new ProcessBuilder("nsd", "-d", "-c", confFile.toString()).redirectErrorStream(true)
      .redirectOutput(work.resolve("nsd.out").toFile()).start();
    String last = "svc" + (services - 1) + "." + ENV + ".pharos.";
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (DnsBench.answers(port, last) != instances) {
      if (!nsd.isAlive() || System.nanoTime() > deadline) {
        throw new IllegalStateException("NSD did not start: " + Files.readString(work.resolve("nsd.out")));
      }
      Thread.sleep(50);
    }
    return nsd;
  }

  /** An IPv4 address as Pharos's address names spell it: its bytes in hex. */
  static String hex(String address) {
    StringBuilder name = new StringBuilder();
    for (String part : address.split("\\.")) {
      name.append(String.format(Locale.ROOT, "%02x", Integer.parseInt(part)));
    }
    return name.toString();
  }
}
