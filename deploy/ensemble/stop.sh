#!/usr/bin/env bash
# Stops what deploy/ensemble/start.sh started: the Pharos nodes first, then the ZooKeeper servers.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=${1:-$here/work}
for name in node1 node2 node3 zk1 zk2 zk3; do
  pidfile="$work/$name/pid"
  if [ -f "$pidfile" ]; then
    kill "$(cat "$pidfile")" 2>/dev/null
    for _ in $(seq 1 40); do kill -0 "$(cat "$pidfile")" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$(cat "$pidfile")" 2>/dev/null
    rm -f "$pidfile"
  fi
done
echo "== stopped the ensemble in $work"
