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
wait_for() { # what, seconds, command...
  local what=$1 seconds=$2; shift 2
  for _ in $(seq 1 $((seconds * 2))); do "$@" && return 0; sleep 0.5; done
  echo "$what did not come up; see $work" >&2
  exit 1
}
zk_serving() ( # a quorum member answers srvr with its mode (a subshell: the socket closes with it)
  exec 3<>"/dev/tcp/127.0.0.1/$1" 2>/dev/null || exit 1
  echo srvr >&3
  grep -q "^Mode: " <&3
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
  if ! port_open $((base + i)); then
    nohup java -Xmx256m -Dzookeeper.log.dir="$dir" -cp "/etc/zookeeper/conf_example:/usr/share/java/zookeeper.jar" \
      org.apache.zookeeper.server.quorum.QuorumPeerMain "$dir/zoo.cfg" > "$dir/server.log" 2>&1 < /dev/null 3>&- &
    echo $! > "$dir/pid"
  fi
done
for i in 1 2 3; do
  wait_for "ZooKeeper server $i" 60 zk_serving $((base + i))
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
  if ! port_open "$api"; then
    cd "$dir" # relative data paths of the node's conf land here
    ZK_HOSTS="$zk_hosts" nohup java ${JAVA_OPTS:--Xmx384m} -jar "$jar" --conf "$here/node$i.json" --port "$api" \
      > "$dir/pharos.log" 2>&1 < /dev/null 3>&- &
    echo $! > "$dir/pid"
    cd "$top"
  fi
done
for i in 1 2 3; do
  wait_for "Pharos node $i" 90 port_open $((base + 30 + i))
done
echo "== Pharos nodes: http://127.0.0.1:$((base + 31))/ui/ http://127.0.0.1:$((base + 32))/ui/ http://127.0.0.1:$((base + 33))/ui/"
