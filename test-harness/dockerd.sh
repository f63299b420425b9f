#!/usr/bin/env bash
# Starts or stops the dockerd the tests use (the one setup.sh started, or the system's).
# Live restore keeps containers running while dockerd is down (/etc/docker/daemon.json).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$here/work"
has_systemd() { [ -d /run/systemd/system ] && systemctl list-unit-files docker.service >/dev/null 2>&1; }
case "${1:-}" in
  start)
    if docker info >/dev/null 2>&1; then exit 0; fi
    if has_systemd; then systemctl start docker; else (nohup dockerd >>"$here/work/dockerd.log" 2>&1 &); fi
    for _ in $(seq 1 120); do docker info >/dev/null 2>&1 && exit 0; sleep 0.25; done
    echo "dockerd did not start; see $here/work/dockerd.log" >&2; tail -20 "$here/work/dockerd.log" >&2; exit 1
    ;;
  stop)
    if has_systemd; then systemctl stop docker docker.socket; exit 0; fi
    # the main dockerd by its pidfile: the second host's dockerd (second-dockerd.sh) keeps running
    pid=$(cat /var/run/docker.pid 2>/dev/null || true)
    [ -n "$pid" ] || exit 0
    kill "$pid"
    for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.25; done
    echo "dockerd did not stop" >&2; exit 1
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
