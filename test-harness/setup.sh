#!/usr/bin/env bash
# Installs and starts the real servers the tests talk to, on a fresh Debian 12 machine (root):
# dockerd, a ZooKeeper server on a loopback port, the busybox test image, and Debian's chromium with
# its chromedriver for the dashboard's browser tests, and the servers Nerve's check types talk to
# (redis, MariaDB, PostgreSQL, RabbitMQ: check-servers.sh). Idempotent.
# Writes the addresses to test-harness/work/env, which run-tests.sh sources.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work="$here/work"
mkdir -p "$work"

packages=(docker.io iproute2 zookeeper etcd-server etcd-client serf busybox-static haproxy wrk curl chromium chromium-driver
  redis-server mariadb-server mariadb-client postgresql rabbitmq-server dnsutils dnsperf nsd)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# nsd is the DNS benchmark's peer, started by the benchmark on a loopback port: where the package
# started its own service (on port 53 of every interface), stop it
if [ -d /run/systemd/system ] && systemctl is-enabled nsd >/dev/null 2>&1; then
  systemctl disable --now nsd >/dev/null 2>&1 || true
fi

# dockerd: use the running one, or start our own. Live restore lets the dockerd-restart test
# keep containers running while dockerd is down.
if [ ! -f /etc/docker/daemon.json ]; then
  mkdir -p /etc/docker && echo '{"live-restore": true}' >/etc/docker/daemon.json
fi
if ! docker info >/dev/null 2>&1; then
  echo "== starting dockerd"
  bash "$here/dockerd.sh" start
fi
if [ "$(docker info --format '{{.LiveRestoreEnabled}}')" != "true" ] && grep -q '"live-restore": true' /etc/docker/daemon.json; then
  # a dockerd started before daemon.json was written: live restore is reloadable
  kill -HUP "$(cat /var/run/docker.pid)" && sleep 1
fi

# The test image: no registry is reachable, so import a folder holding the static busybox.
image=pharos-test/busybox:2
if ! docker image inspect "$image" >/dev/null 2>&1; then
  echo "== building $image with docker import"
  root=$(mktemp -d)
  mkdir -p "$root/bin" "$root/tmp" "$root/www"
  cp /bin/busybox "$root/bin/busybox"
  for applet in sh httpd wget echo sleep cat nc rm ls kill mkdir touch; do ln -s busybox "$root/bin/$applet"; done
  echo 'Hello, world' >"$root/www/index.html"
  echo ok >"$root/www/health"
  tar -C "$root" -c . | docker import -c 'CMD ["/bin/sh"]' - "$image" >/dev/null
  rm -rf "$root"
fi

# A second Docker host on this machine, for multi-host clusters: its own dockerd, socket,
# data-root and exec-root, with no bridge (its test containers use the host's network).
bash "$here/second-dockerd.sh" start "$image"

# Containers an earlier run left behind (killed before its clean-up): each test counts and
# resolves the labelled containers of its Docker host, so a fresh run starts without them.
for sock in /var/run/docker.sock /var/run/pharos-docker-b.sock; do
  left=$(docker -H "unix://$sock" ps -aq --filter label=pharos-test-run 2>/dev/null || true)
  [ -z "$left" ] || { echo "== removing $(echo "$left" | wc -l) containers earlier test runs left on $sock"; docker -H "unix://$sock" rm -f $left >/dev/null; }
done

# ZooKeeper from Debian's package, standalone on a loopback port, with its data under
# /var/lib/pharos-test/zookeeper (PHAROS_TEST_ZK_DIR): one place for the machine, as the check
# servers', so a server started from a checkout that is later deleted (CI clones afresh) does not
# keep answering on the port with its data directory gone until its next file fails.
zk_port=${PHAROS_TEST_ZK_PORT:-21810}
zk_dir=${PHAROS_TEST_ZK_DIR:-/var/lib/pharos-test/zookeeper}
zk_listening() { (exec 3<>"/dev/tcp/127.0.0.1/$zk_port") 2>/dev/null; }
if zk_listening && ! { [ -f "$zk_dir/server.pid" ] && kill -0 "$(cat "$zk_dir/server.pid")" 2>/dev/null; }; then
  # not ours: a test server another checkout started is replaced; anything else is in the way
  other=$(ss -ltnpH "sport = :$zk_port" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)
  if [ -n "$other" ] && grep -q QuorumPeerMain "/proc/$other/cmdline" 2>/dev/null; then
    echo "== replacing the ZooKeeper another checkout started on 127.0.0.1:$zk_port (pid $other)"
    kill "$other"
    for _ in $(seq 1 40); do zk_listening || break; sleep 0.25; done
  else
    echo "port $zk_port is taken by something other than a test ZooKeeper (pid ${other:-unknown})"; exit 1
  fi
fi
if ! zk_listening; then
  echo "== starting ZooKeeper on 127.0.0.1:$zk_port"
  rm -rf "$zk_dir" && mkdir -p "$zk_dir/data"
  cat >"$zk_dir/zoo.cfg" <<CFG
tickTime=500
minSessionTimeout=1000
maxSessionTimeout=60000
dataDir=$zk_dir/data
clientPort=$zk_port
clientPortAddress=127.0.0.1
admin.enableServer=false
4lw.commands.whitelist=ruok,stat,srvr,mntr
CFG
  (nohup java -Dzookeeper.log.dir="$zk_dir" -cp "/etc/zookeeper/conf_example:/usr/share/java/zookeeper.jar" \
    org.apache.zookeeper.server.quorum.QuorumPeerMain "$zk_dir/zoo.cfg" >"$zk_dir/server.log" 2>&1 & echo $! >"$zk_dir/server.pid")
  for _ in $(seq 1 60); do zk_listening && break; sleep 0.5; done
  zk_listening || { echo "ZooKeeper did not start"; tail -20 "$zk_dir/server.log"; exit 1; }
fi

servers=$(bash "$here/check-servers.sh" start)

cat >"$work/env" <<ENV
export PHAROS_TEST_ZK=127.0.0.1:$zk_port
export PHAROS_TEST_IMAGE=$image
export PHAROS_TEST_DOCKER=unix:///var/run/docker.sock
export PHAROS_TEST_DOCKER_B=unix:///var/run/pharos-docker-b.sock
ENV
echo "$servers" >>"$work/env"
echo "== ready: dockerd, ZooKeeper 127.0.0.1:$zk_port, image $image, redis, MariaDB, PostgreSQL, RabbitMQ"
