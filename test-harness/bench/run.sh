#!/usr/bin/env bash
# Benchmarks, run apart from the tests: starts the real servers, then measures Pharos and the
# floor in the same run and prints the table (also written to test-harness/bench/results/).
#   bash test-harness/bench/run.sh [containers]      (default 50)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
bash "$top/test-harness/setup.sh"
# shellcheck disable=SC1091
source "$top/test-harness/work/env"
cd "$top"
mvn -B -q -ntp -DskipTests install
cd test-harness
mvn -B -q -ntp exec:java -Dexec.mainClass=dev.pharos.harness.bench.RegistrationBench \
  -Dexec.args="${1:-50}" -Dbench.raw="${BENCH_RAW:-false}" -Dbench.out="$top/test-harness/bench/results/registration.md"
