#!/usr/bin/env bash
# Benchmarks, run apart from the tests: starts the real servers, then measures Pharos and its
# floor in the same run, prints each table, writes it to test-harness/bench/results/ and puts
# it in the README between its markers.
#   bash test-harness/bench/run.sh [containers (50)] [check instances (2000)] [proxy seconds per run (10)]
#   BENCH_ONLY=proxy bash test-harness/bench/run.sh ...   runs one of them
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
bash "$top/test-harness/setup.sh"
# shellcheck disable=SC1091
source "$top/test-harness/work/env"
cd "$top"
mvn -B -q -ntp -DskipTests install
results="$top/test-harness/bench/results"

bench() { # name main-class args... (extra -D properties in BENCH_PROPS)
  local name=$1 main=$2; shift 2
  # shellcheck disable=SC2086
  (cd "$top/test-harness" && mvn -B -q -ntp exec:java -Dexec.mainClass="$main" -Dexec.args="$*" \
    -Dbench.raw="${BENCH_RAW:-false}" -Dbench.out="$results/$name.md" ${BENCH_PROPS:-})
  cat "$results/$name.md"
  awk -v f="$results/$name.md" -v first="<!-- bench:$name -->" -v last="<!-- /bench:$name -->" '
    $0 == first { print; while ((getline line < f) > 0) print line; skip = 1; next }
    $0 == last { skip = 0 }
    !skip { print }' "$top/README.md" >"$top/README.md.new" && mv "$top/README.md.new" "$top/README.md"
}

only=${BENCH_ONLY:-}
[[ -z $only || $only == registration ]] && bench registration dev.pharos.harness.bench.RegistrationBench "${1:-50}"
[[ -z $only || $only == checks ]] && bench checks dev.pharos.harness.bench.CheckThroughputBench "${2:-2000}" 10
[[ -z $only || $only == proxy ]] && bench proxy dev.pharos.harness.bench.ProxyBench "${3:-10}" 7
[[ -z $only || $only == proxy ]] && BENCH_PROPS=-Dbench.proxyThreads=1 \
  bench proxy-1thread dev.pharos.harness.bench.ProxyBench "${3:-10}" 7
[[ -z $only || $only == nesoi ]] && bench nesoi dev.pharos.harness.bench.NesoiBench 10 20
[[ -z $only || $only == serf ]] && bench serf dev.pharos.harness.bench.SerfBench 50
[[ -z $only || $only == dashboard ]] && bench dashboard dev.pharos.harness.bench.DashboardBench 30 20 1000
true
