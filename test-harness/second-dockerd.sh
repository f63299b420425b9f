#!/usr/bin/env bash
# A second dockerd on this machine, so tests and benchmarks run clusters of real Docker hosts:
# its own socket, data-root, exec-root and pidfile, its own bridge and no iptables rules (the
# test containers use the host's network). Not "--bridge none": a dockerd started so deletes
# docker0, the main dockerd's bridge. Idempotent.
#   bash second-dockerd.sh start IMAGE   starts it and imports the test image IMAGE into it
#   bash second-dockerd.sh stop
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
sock=/var/run/pharos-docker-b.sock
pidfile=/var/run/pharos-docker-b.pid
root=/var/lib/pharos-docker-b
exec_root=/var/run/pharos-docker-b
B=(docker -H "unix://$sock")
mkdir -p "$here/work"
case "${1:-}" in
  start)
    if ! "${B[@]}" info >/dev/null 2>&1; then
      echo "== starting a second dockerd on $sock"
      mkdir -p "$root" "$exec_root"
      if ! ip link show pharosb0 >/dev/null 2>&1; then
        ip link add pharosb0 type bridge
        ip addr add 172.29.255.1/24 dev pharosb0
        ip link set pharosb0 up
      fi
      echo '{}' >"$here/work/docker-b.json"
      (nohup dockerd --host "unix://$sock" --data-root "$root" --exec-root "$exec_root" --pidfile "$pidfile" \
        --bridge pharosb0 --iptables=false --ip-masq=false --ip6tables=false --config-file "$here/work/docker-b.json" \
        >>"$here/work/dockerd-b.log" 2>&1 &)
      for _ in $(seq 1 120); do "${B[@]}" info >/dev/null 2>&1 && break; sleep 0.25; done
      "${B[@]}" info >/dev/null 2>&1 || { echo "the second dockerd did not start" >&2; tail -20 "$here/work/dockerd-b.log" >&2; exit 1; }
    fi
    image=${2:?image}
    if ! "${B[@]}" image inspect "$image" >/dev/null 2>&1; then
      docker save "$image" | "${B[@]}" load >/dev/null
    fi
    ;;
  stop)
    pid=$(cat "$pidfile" 2>/dev/null || true)
    [ -n "$pid" ] || exit 0
    kill "$pid"
    for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.25; done
    echo "the second dockerd did not stop" >&2; exit 1
    ;;
  *) echo "usage: $0 start IMAGE | stop" >&2; exit 2 ;;
esac
