#!/usr/bin/env bash
# A three-node Pharos cluster on a three-server ZooKeeper ensemble, all on loopback ports:
#   bash deploy/ensemble/start.sh [WORK_DIR]      (stop with: bash deploy/ensemble/stop.sh [WORK_DIR])
# ZooKeeper servers listen on BASE+1..3, Pharos apis on BASE+31..33 (ENSEMBLE_PORT_BASE, 22180).
# The stages are split by conf alone: node1 watches Docker and the definitions, node2 checks
# and registers, node3 delivers web-hooks; all three serve the api, over one clustered bus.
# Needs Debian's zookeeper package (/usr/share/java/zookeeper.jar) and Java 17.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
work=${1:-$here/work}
base=${ENSEMBLE_PORT_BASE:-22180}
jar="$top/deploy/target/pharos-all.jar"
mkdir -p "$work"

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
listener() { ss -Hltnp "sport = :$1" 2>/dev/null; } # who listens on a port, if anyone
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
# pid $2 owns the listening socket of port $1: the server answering there is the one we started
owns_port() { listener "$1" | grep -q "pid=$2,"; }

# What this run started: stopped again if the run fails, so a failure leaves nothing half-way.
started=()
cleanup() {
  local rc=$?
  if [ "$rc" -ne 0 ] && [ "${#started[@]}" -gt 0 ]; then
    echo "== start failed: stopping what this run started (pids ${started[*]})" >&2
    kill "${started[@]}" 2>/dev/null
    local pid
    for pid in "${started[@]}"; do
      for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      kill -9 "$pid" 2>/dev/null
    done
    for f in "$work"/zk?/pid "$work"/node?/pid; do
      [ -f "$f" ] && ! kill -0 "$(cat "$f")" 2>/dev/null && rm -f "$f"
    done
  fi
  exit "$rc"
}
trap cleanup EXIT

wait_for() { # what, seconds, command...
  local what=$1 seconds=$2; shift 2
  for _ in $(seq 1 $((seconds * 2))); do "$@" && return 0; sleep 0.5; done
  echo "$what did not come up; see $work" >&2
  exit 1
}

# Before starting anything: every port a process of ours will listen on is free, or held by that
# very process from an earlier run (recorded pid, alive, owning the port), which is then kept.
# Anything else (a foreign ZooKeeper on a client port) fails here, naming the port and its holder.
reuse=()
check_ports() { # name pidfile what:port...
  local name=$1 pidfile=$2 ours="" spec port holder; shift 2
  alive "$pidfile" && ours=$(cat "$pidfile")
  for spec in "$@"; do
    port=${spec##*:}
    holder=$(listener "$port")
    [ -z "$holder" ] && continue
    if [ -n "$ours" ] && owns_port "$port" "$ours"; then
      continue
    fi
    echo "port $port (${spec%:*} of $name) is already in use, so $name cannot start; nothing was started." >&2
    echo "  held by (ss -ltnp; no users: means another user's process): $holder" >&2
    echo "  stop it, or choose other ports with ENSEMBLE_PORT_BASE (now $base)" >&2
    exit 1
  done
  # running and holding its client port: an earlier run's, kept as it is
  if [ -n "$ours" ] && owns_port "${1##*:}" "$ours"; then
    reuse+=("$name")
  elif [ -n "$ours" ]; then
    echo "$name of an earlier run (pid $ours) is running but does not hold port ${1##*:}; stop it first (stop.sh)" >&2
    exit 1
  fi
}
in_reuse() { local n; for n in "${reuse[@]}"; do [ "$n" = "$1" ] && return 0; done; return 1; }
for i in 1 2 3; do
  check_ports "ZooKeeper server $i" "$work/zk$i/pid" "client port:$((base + i))" \
    "quorum port:$((base + 10 + i))" "election port:$((base + 20 + i))"
done
for i in 1 2 3; do
  check_ports "Pharos node $i" "$work/node$i/pid" "api port:$((base + 30 + i))"
done
zk_serving() ( # a quorum member answers srvr with its mode (a subshell: the socket closes with it)
  exec 3<>"/dev/tcp/127.0.0.1/$1" 2>/dev/null || exit 1
  echo srvr >&3
  # a bounded read: a foreign server that accepts but never answers must not hang the script
  while IFS= read -r -t 5 line <&3; do [[ $line == "Mode: "* ]] && exit 0; done
  exit 1
)

servers=""
for i in 1 2 3; do
  servers+="server.$i=127.0.0.1:$((base + 10 + i)):$((base + 20 + i))"$'\n'
done
for i in 1 2 3; do
  dir="$work/zk$i"
  mkdir -p "$dir/data"
  echo "$i" > "$dir/data/myid"
  cat > "$dir/zoo.cfg" <<CFG
tickTime=500
initLimit=20
syncLimit=10
dataDir=$dir/data
clientPort=$((base + i))
clientPortAddress=127.0.0.1
admin.enableServer=false
4lw.commands.whitelist=ruok,stat,srvr,mntr
$servers
CFG
  if ! in_reuse "ZooKeeper server $i"; then
    nohup java -Xmx256m -Dzookeeper.log.dir="$dir" -cp "/etc/zookeeper/conf_example:/usr/share/java/zookeeper.jar" \
      org.apache.zookeeper.server.quorum.QuorumPeerMain "$dir/zoo.cfg" > "$dir/server.log" 2>&1 < /dev/null 3>&- &
    echo $! > "$dir/pid"
    started+=("$!")
  fi
done
for i in 1 2 3; do
  wait_for "ZooKeeper server $i" 60 zk_serving $((base + i))
  # whoever answers must be the server started for this port, not another that took it meanwhile
  if ! owns_port $((base + i)) "$(cat "$work/zk$i/pid")"; then
    echo "port $((base + i)) is answered by another process than ZooKeeper server $i (pid $(cat "$work/zk$i/pid")):" >&2
    echo "  $(listener $((base + i)))" >&2
    exit 1
  fi
done
zk_hosts="127.0.0.1:$((base + 1)),127.0.0.1:$((base + 2)),127.0.0.1:$((base + 3))"
echo "== ZooKeeper ensemble serving on $zk_hosts"

if [ ! -f "$jar" ]; then
  echo "== building $jar"
  (cd "$top" && mvn -B -q -DskipTests clean install)
fi
for i in 1 2 3; do
  dir="$work/node$i"
  mkdir -p "$dir"
  api=$((base + 30 + i))
  if ! in_reuse "Pharos node $i"; then
    cd "$dir" # relative data paths of the node's conf land here
    ZK_HOSTS="$zk_hosts" nohup java ${JAVA_OPTS:--Xmx384m} -jar "$jar" --conf "$here/node$i.json" --port "$api" \
      > "$dir/pharos.log" 2>&1 < /dev/null 3>&- &
    echo $! > "$dir/pid"
    started+=("$!")
    cd "$top"
  fi
done
for i in 1 2 3; do
  wait_for "Pharos node $i" 90 port_open $((base + 30 + i))
  if ! owns_port $((base + 30 + i)) "$(cat "$work/node$i/pid")"; then
    echo "port $((base + 30 + i)) is answered by another process than Pharos node $i (pid $(cat "$work/node$i/pid")):" >&2
    echo "  $(listener $((base + 30 + i)))" >&2
    exit 1
  fi
done
echo "== Pharos nodes: http://127.0.0.1:$((base + 31))/ui/ http://127.0.0.1:$((base + 32))/ui/ http://127.0.0.1:$((base + 33))/ui/"
