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
# put the latest figures in the README, between the bench:registration markers
awk -v f="$top/test-harness/bench/results/registration.md" '
  /<!-- bench:registration -->/ { print; while ((getline line < f) > 0) print line; skip = 1; next }
  /<!-- \/bench:registration -->/ { skip = 0 }
  !skip { print }' "$top/README.md" >"$top/README.md.new" && mv "$top/README.md.new" "$top/README.md"
