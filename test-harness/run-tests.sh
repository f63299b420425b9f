#!/usr/bin/env bash
# The test command: installs and starts what the tests need (test-harness/setup.sh), then runs
# every unit test and every end-to-end test (*IT) against the real servers.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bash "$top/test-harness/setup.sh"
# shellcheck disable=SC1091
source "$top/test-harness/work/env"
cd "$top"
mvn -B -ntp clean verify "$@"
