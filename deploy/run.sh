#!/usr/bin/env bash
# Runs Pharos, building the runnable jar first if it is missing.
#   bash deploy/run.sh [--conf FILE]     (env: HOST_IP, ZK_HOSTS, DOCKER_HOST, INSTANCE_ID)
# With no ZK_HOSTS, Pharos starts its embedded ZooKeeper (data under ./data/zookeeper).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
jar="$top/deploy/target/pharos-all.jar"
if [ ! -f "$jar" ]; then
  echo "== building $jar"
  (cd "$top" && mvn -B -q -DskipTests clean install)
fi
# deploy/jvm.options: heap, GC and native-memory settings, chosen for a small agent (JAVA_OPTS wins);
# two malloc arenas, not one per core, keep native memory in few places to trim
export MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2}
exec java @"$top/deploy/jvm.options" ${JAVA_OPTS:-} -jar "$jar" "$@"
