package dev.pharos.harness.bench;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the health-check benchmark checks, in a process of its own so that its CPU is measured
 * apart from the checker's: HTTP servers on {@code count} consecutive ports from {@code basePort},
 * bound to every address so that each 127.0.x.y:port is an endpoint. Answers {@code GET /health}
 * with 200. Counts connections (a tcp check opens one and closes it) and requests; a line on its
 * stdin is answered on stdout with "connections requests".
 * {@code java ... CheckTargets basePort count}
 */
public final class CheckTargets {

  private CheckTargets() {
  }

  public static void main(String[] args) throws Exception {
    int basePort = Integer.parseInt(args[0]);
    int count = Integer.parseInt(args[1]);
    Vertx vertx = Vertx.vertx();
    LongAdder connections = new LongAdder();
    LongAdder requests = new LongAdder();
    List<HttpServer> servers = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      HttpServer server = vertx.createHttpServer(new HttpServerOptions().setAcceptBacklog(4096))
        .connectionHandler(c -> connections.increment())
        .requestHandler(req -> {
          requests.increment();
          req.response().end("ok");
        });
      servers.add(server.listen(basePort + i, "0.0.0.0").await(10, TimeUnit.SECONDS));
    }
    System.out.println("ready");
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    while (in.readLine() != null) {
      System.out.println(connections.sum() + " " + requests.sum());
      System.out.flush();
    }
    vertx.close().await(10, TimeUnit.SECONDS);
  }
}
