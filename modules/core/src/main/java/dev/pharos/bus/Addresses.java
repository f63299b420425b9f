package dev.pharos.bus;

import java.util.List;

/**
 * The event bus contract: every address Pharos uses, who publishes on it, who consumes it and
 * the JSON of its messages. The README's "Event bus contract" table says the same with every key
 * of every message, and {@code BusContractIT} holds the running stages to that table; keep this
 * class in step with it.
 *
 * <p>Facts are published and carry what makes them idempotent (ids, versions, timestamps).
 * A stage that starts or moves asks for a snapshot (request-reply on a {@code .snapshot}
 * address) and then follows the facts.
 */
public final class Addresses {

  private Addresses() {
  }

  /**
   * Fact, published by the docker watcher, consumed by the health checker, the ambassador and the
   * serf bridge (Serfnode's children).
   * <pre>{"type":"up"|"down","host":{"id","ip"},"container":{"id","name","image","labels","ports":[{"containerPort","hostPort","proto"}],
   *  "networkMode","hostname","env","mounts","health"},"ts":millis}</pre>
   * and, after every resync against {@code docker ps},
   * <pre>{"type":"snapshot","host":{"id","ip"},"containers":[...],"ts":millis}</pre>
   * which replaces everything known from that host (containers that vanished are retracted), and
   * when Docker's HEALTHCHECK of a container changes its verdict ({@code health_status} events),
   * <pre>{"type":"health","host":{"id","ip"},"id":containerId,"health":"starting"|"healthy"|"unhealthy","ts":millis}</pre>
   */
  public static final String CONTAINERS = "pharos.containers";

  /**
   * Request-reply, asked by the health checker with {@code {}}, answered by one docker watcher:
   * {"host":{"id","ip"},"containers":[...],"ts"}, the {@code snapshot} fact without its type.
   */
  public static final String CONTAINERS_SNAPSHOT = "pharos.containers.snapshot";

  /**
   * Published by a stage that starts and needs every host's containers (the health checker, the
   * ambassador), {@code {}}: every docker
   * watcher answers by publishing a {@code snapshot} fact on {@link #CONTAINERS}. (A request on
   * {@link #CONTAINERS_SNAPSHOT} reaches only one watcher of a cluster of hosts.)
   */
  public static final String CONTAINERS_ANNOUNCE = "pharos.containers.announce";

  /**
   * Request from the serf bridge to one host's docker watcher: {@code {"id"}} (a container id or
   * name) is answered with Docker's own inspect JSON, for Serfnode's container-info files.
   */
  public static String containerInspect(String hostId) {
    return "pharos.containers.inspect." + hostId;
  }

  /**
   * Fact, published by the definition watcher, consumed by the health checker.
   * <pre>{"type":"put","definition":{"env","app","path","version","checkIntervalMs",
   *  "checks":[{"type","host","port","timeoutMs","rise","fall","options"}],"weight","haproxyServerOptions","labels"}}
   * | {"type":"delete","env","app","path","version"}</pre>
   * {@code version} is the znode's modification zxid, so replays change nothing.
   */
  public static final String DEFINITIONS = "pharos.definitions";

  /**
   * Request-reply, asked by the health checker and the api with {@code {}}, answered by the
   * definition watcher: {"definitions":[Definition JSON...],"malformed":[{"path","reason"}]}, or a
   * 503 failure until every store has loaded.
   */
  public static final String DEFINITIONS_SNAPSHOT = "pharos.definitions.snapshot";

  /**
   * Fact, published by the health checker, consumed by the registrar.
   * <pre>{"type":"up"|"down","instance":{"id","env","app","hostId","containerId","host","port","data","document"},
   *  "reason":"...","ts":millis}</pre>
   * keyed by {@code instance.id}; "up" with the same registration data twice changes nothing.
   */
  public static final String INSTANCES = "pharos.instances";

  /**
   * Request-reply, asked with {@code {}} by the api before it has heard of the checkers (and by
   * benchmarks), answered by any one health checker instance:
   * {"member","node","ready","instances":[Instance JSON of every up instance it checks],"watches":[...]}.
   * Asked with {@code {"apps":[...],"envs":[...]}} ({@link InstanceFilter}), the same with those apps' and envs' only.
   * Either asked with {@code "pageSize"} too comes in pages, each with {@code "more"}, the later ones its lists only ({@link PagedReplies}).
   * Asked with {@code {"counts":true,"except":[instance ids]}} (the list of services):
   * {"member","node","ready","counts":{app:{env:{"up"|"down"|"checking":n}}}}, the instances named left out.
   */
  public static final String INSTANCES_SNAPSHOT = "pharos.instances.snapshot";

  /**
   * Request-reply to one health checker instance (its member id), asked by the api and the
   * registrar, the same answer as {@link #INSTANCES_SNAPSHOT}. With
   * {@code {"registrars":[Member...],"registrar":id,"watches":false,"before":[Member...]}} (a
   * registrar's catch-up) only the up instances that registrar owns are listed, without the
   * watches, and with {@code before} (the group of its last catch-up) only those it did not own
   * then; with
   * {@code {"ids":[{"id","hostId"}...],"registrars":[Member...],"registrar":id}} (its reconcile,
   * naming what it holds) nothing is listed and the answer has
   * {@code "verdicts":{id:"up"|"down"|"not-mine"|"unknown"}}: "down" only when this checker owns
   * the instance, has its host's containers and no up watch of it; and
   * {@code "unheld":[Instance...]}: the up instances that registrar owns and did not name.
   * A starting checker's {@code {"watches":false}} and a registrar's catch-up are asked with
   * {@code "pageSize"} too, and come in pages ({@link PagedReplies}).
   */
  public static String instancesSnapshot(String memberId) {
    return INSTANCES_SNAPSHOT + "." + memberId;
  }

  /**
   * Fact, published by the registrar and by the api for Nesoi's writes, consumed by the api (SSE,
   * backlog, the {@code /srv} view) and anyone who watches.
   * <pre>{"type":"registered"|"deregistered"|"maintenance-on"|"maintenance-off","store":"zookeeper"|"etcd"|"maintenance",
   *  "instance":{Instance JSON},"path":"/env/dev/sd/web/sd/host-abc_0000000001","uri":"/srv/web/host-abc","ts":millis}</pre>
   * ({@code path} is the etcd key of the service document when {@code store} is etcd, the
   * maintenance znode when it is maintenance), and for Nesoi's writes
   * <pre>{"type":"app-updated"|"app-deleted"|"srv-updated"|"srv-deleted","store":"nesoi","uri","resource","ts"}</pre>
   */
  public static final String CHANGES = "pharos.changes";

  /**
   * Request-reply, asked by the api with {@code {}}, answered by the ambassador:
   * {"node","descriptors":[{"name","service","env","tags","port","proto","spec","listener","endpoints":[{"address","tags","active"}],
   *  "active","forwarded","refused","consumers":[...]}],"problems":[{"subject","reason"}]}
   */
  public static final String DESCRIPTORS = "pharos.descriptors";

  /**
   * Request-reply, answered by the ambassador from its catalog: asked with {@code {}}, every service
   * document under etcd's {@code /services/}, {"endpoints":[{"key","env","service","address","tags"}]};
   * with {@code {"apps":[...],"envs":[...]}} ({@link InstanceFilter}, the api's page of one service)
   * those services' and envs' only; with {@code {"counts":true,"except":[key...]}} (the api's list of
   * services) no document, only how many each service has by env, those at the keys of
   * {@code except} left out: {"counts":{service:{env:n}}}. A malformed field fails with 400 naming it.
   */
  public static final String ENDPOINTS_SNAPSHOT = "pharos.endpoints.snapshot";

  /**
   * Request-reply, asked by the api with {@code {}}, answered by the serf bridge: the agent's
   * members as last read, {"members":[{"name","addr","port","status","tags"}],"node"}.
   */
  public static final String SERF_MEMBERS = "pharos.serf.members";

  /**
   * Request-reply, asked by the api with {@code {}}, answered by any registrar:
   * {"member","node","registrations":[{"instance":{...},"path":"...","since":ms}],
   * "maintenance":[{"instance":{...},"since":ms,"reason":"..."}]} (drained instances, up but held back).
   * Asked with {@code {"apps":[...],"envs":[...]}} ({@link InstanceFilter}), the same with those apps' and envs' only.
   * Either asked with {@code "pageSize"} too comes in pages, each with {@code "more"}, the later ones its lists only ({@link PagedReplies}).
   * Asked with {@code {"summary":true}} (the list of services):
   * {"member","node","summary":{app:{env:{"registered":n,"since":ms,"documents":n}}},"maintenance":[...]}.
   */
  public static final String REGISTRATIONS_SNAPSHOT = "pharos.registrations.snapshot";

  /** The same request to one registrar instance (its member id): what that registrar holds. */
  public static String registrationsSnapshot(String memberId) {
    return REGISTRATIONS_SNAPSHOT + "." + memberId;
  }

  /**
   * Request-reply, asked by the api, answered by a registrar: {"id","maintenance":true|false}
   * or {"id","maintenance","reason"} puts an
   * instance in maintenance (drained from every store) or takes it out; reply {"id","maintenance"},
   * or a failure: 404 for an instance this registrar does not know, 400 for a malformed id.
   */
  public static final String MAINTENANCE = "pharos.maintenance";

  /** The same request to one registrar instance (its member id). */
  public static String maintenance(String memberId) {
    return MAINTENANCE + "." + memberId;
  }

  /**
   * Fact, published by every instance of every stage every {@link #STATUS_HEARTBEAT_MS} and when
   * it starts, consumed by the api: the JSON of {@link #STATUS_PREFIX}, with the instance's
   * {@code id}. An instance not heard from for three heartbeats is gone.
   */
  public static final String STATUS = "pharos.status";

  public static final long STATUS_HEARTBEAT_MS = 2000;

  /**
   * Request-reply, asked by the api with {@code {}}, answered by every stage on {@code pharos.status.<stage>}:
   * {"id","stage","node","state":"starting"|"running"|"degraded","problems":[{"subject","reason","since"}],
   *  "problemsDropped","problemsNotShown","details":{...}} (at most 100 problems; the oldest dropped and counted)
   */
  public static final String STATUS_PREFIX = "pharos.status.";

  /** Stage names, as used in {@link #status(String)} and in the JSON conf's {@code verticles}. */
  public static final String DOCKER_WATCHER = "docker-watcher";
  public static final String DEFINITION_WATCHER = "definition-watcher";
  public static final String HEALTH_CHECKER = "health-checker";
  public static final String REGISTRAR = "registrar";
  public static final String API = "api";
  public static final String AMBASSADOR = "ambassador";
  public static final String WEBHOOKS = "webhooks";
  public static final String SERF_BRIDGE = "serf-bridge";
  /** The DNS interface: answers from the consumer catalog, on no bus address but its status. */
  public static final String DNS = "dns";

  /** The pipeline's stages: a cluster without one of them is degraded. */
  public static final List<String> STAGES = List.of(DOCKER_WATCHER, DEFINITION_WATCHER, HEALTH_CHECKER, REGISTRAR, API);

  /** Stages a node runs when it wants their job; shown in the health view when they run. */
  public static final List<String> OPTIONAL_STAGES = List.of(AMBASSADOR, WEBHOOKS, SERF_BRIDGE, DNS);

  /**
   * Fact, published by the serf bridge for every serf user event but {@code config_updated}:
   * {@code pharos.serf.event.<name>} with {"name","payload" (text),"ltime"}. Handlers, outside
   * Pharos, are its consumers.
   */
  public static final String SERF_EVENT_PREFIX = "pharos.serf.event.";

  /**
   * Request-reply, asked by the api, answered by the serf bridge: {"p","k","v","c"} is sent to the
   * cluster as a {@code config_updated} event (a query with the header {@code as: query}); the reply
   * is {"sent":true,"as":"event"}, {"sent":true,"as":"query","acks":[...],"answers":{node: text}}, or a
   * failure naming why (over 512 bytes, bad field).
   */
  public static final String SERF_CONFIG = "pharos.serf.config";

  public static String status(String stage) {
    return STATUS_PREFIX + stage;
  }
}
