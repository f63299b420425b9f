#!/usr/bin/env bash
# Runs Pharos, building the runnable jar first if it is missing.
#   bash deploy/run.sh [--conf FILE]     (env: HOST_IP, ZK_HOSTS, DOCKER_HOST, INSTANCE_ID, JAVA_OPTS)
# With no ZK_HOSTS, Pharos starts its embedded ZooKeeper (data under ./data/zookeeper).
# The JVM's settings are deploy/jvm.options; deploy/launch.sh says how it starts them.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
jar="$top/deploy/target/pharos-all.jar"
if [ ! -f "$jar" ]; then
  echo "== building $jar"
  (cd "$top" && mvn -B -q -DskipTests clean install)
fi
exec "$top/deploy/launch.sh" "$jar" "$@"
