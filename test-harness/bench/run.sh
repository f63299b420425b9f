#!/usr/bin/env bash
# Benchmarks, run apart from the tests: starts the real servers, then measures Pharos and its
# floor in the same run, prints each table, writes it to test-harness/bench/results/ and puts
# it in the README between its markers.
#   bash test-harness/bench/run.sh [containers (200)] [check endpoints (10000)] [proxy seconds per run (10)]
#   BENCH_ONLY=proxy bash test-harness/bench/run.sh ...   runs one of them
#   BENCH_ONLY=dns bash test-harness/bench/run.sh           Pharos's DNS stage against NSD, with dnsperf
#   BENCH_ONLY=dashboard bash test-harness/bench/run.sh     the dashboard at 1,000 instances under changes, then
#     at DASHBOARD_INSTANCES (100000) REST hosts over 1,000 services
#   BENCH_ONLY=scale bash test-harness/bench/run.sh [sizes]  issue 16's registry of 1,000 / 10,000 / 100,000
#     registrations on a private three-server ZooKeeper ensemble, then an agent node with local
#     containers (SCALE_AGENT_CONTAINERS, default 1000; 0 skips it); the registry node's stages in
#     SCALE_NODE_STAGES (api,dns,ambassador by default)
#   BENCH_ONLY=cluster bash test-harness/bench/run.sh       the cluster benchmark; its own arguments, in
#     CLUSTER_ARGS ("instances hosts nodes seconds probes", default "4000 100 3 10 24")
# Built with the reactor, never installed: ~/.m2's SNAPSHOT jars may be someone else's. Each
# benchmark is a plain java run on the reactor's own jars (the classpath comes from the
# dependency plugin in the same reactor build), from test-harness/, as
#   java -cp test-harness/target/classes:$(cat test-harness/target/bench.classpath) \
#     -Dpharos.jar=deploy/target/pharos-all.jar -Dbench.out=... dev.pharos.harness.bench.ClusterBench 4000 100 3 10 24
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
bash "$top/test-harness/setup.sh"
# shellcheck disable=SC1091
source "$top/test-harness/work/env"
cd "$top"
mvn -B -q -ntp -pl test-harness -am -DskipTests package \
  org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath -Dmdep.outputFile=target/bench.classpath
classpath="$top/test-harness/target/classes:$(cat "$top/test-harness/target/bench.classpath")"
results="$top/test-harness/bench/results"

bench() { # name main-class args... (extra -D properties in BENCH_PROPS)
  local name=$1 main=$2; shift 2
  # shellcheck disable=SC2086
  (cd "$top/test-harness" && java -cp "$classpath" -Dpharos.jar="$top/deploy/target/pharos-all.jar" \
    -Dbench.raw="${BENCH_RAW:-false}" -Dbench.out="$results/$name.md" ${BENCH_PROPS:-} "$main" "$@")
  cat "$results/$name.md"
  awk -v f="$results/$name.md" -v first="<!-- bench:$name -->" -v last="<!-- /bench:$name -->" '
    $0 == first { print; while ((getline line < f) > 0) print line; skip = 1; next }
    $0 == last { skip = 0 }
    !skip { print }' "$top/README.md" >"$top/README.md.new" && mv "$top/README.md.new" "$top/README.md"
}

# thousands of backends and their connections in one JVM: more descriptors than a login shell's
ulimit -n 1048576 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true
only=${BENCH_ONLY:-}
[[ -z $only || $only == registration ]] && bench registration dev.pharos.harness.bench.RegistrationBench "${1:-200}"
[[ -z $only || $only == checks ]] && bench checks dev.pharos.harness.bench.CheckThroughputBench "${2:-10000}" 10
[[ -z $only || $only == proxy ]] && bench proxy dev.pharos.harness.bench.ProxyBench "${3:-10}" 7
[[ -z $only || $only == proxy ]] && BENCH_PROPS=-Dbench.proxyThreads=1 \
  bench proxy-1thread dev.pharos.harness.bench.ProxyBench "${3:-10}" 7
[[ -z $only || $only == nesoi ]] && bench nesoi dev.pharos.harness.bench.NesoiBench 10 20
[[ -z $only || $only == serf ]] && bench serf dev.pharos.harness.bench.SerfBench 50
# shellcheck disable=SC2086
[[ -z $only || $only == cluster ]] && bench cluster dev.pharos.harness.bench.ClusterBench ${CLUSTER_ARGS:-4000 100 3 10 24}
[[ -z $only || $only == dashboard ]] && bench dashboard dev.pharos.harness.bench.DashboardBench 30 20 1000
[[ -z $only || $only == dns ]] && bench dns dev.pharos.harness.bench.DnsBench 10 3 1000 3
# 100,000 REST hosts over 1,000 services written straight into ZooKeeper, a node on them, the page in chromium
[[ -z $only || $only == dashboard ]] && bench dashboard-scale dev.pharos.harness.bench.DashboardScaleBench "${DASHBOARD_INSTANCES:-100000}" 1000 20
# sizes as its arguments when run alone (BENCH_ONLY=scale run.sh 1000 10000), else the three defaults
if [[ -z $only || $only == scale ]]; then
  sizes=(1000 10000 100000)
  [[ $only == scale && $# -gt 0 ]] && sizes=("$@")
  BENCH_PROPS="-Dbench.agentContainers=${SCALE_AGENT_CONTAINERS:-1000} -Dbench.nodeStages=${SCALE_NODE_STAGES:-api,dns,ambassador}" \
    bench scale dev.pharos.harness.bench.ScaleBench "${sizes[@]}"
fi
true
