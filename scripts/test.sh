#!/usr/bin/env bash
# The one test command (npm test): installs missing system packages, checks format, lint and types,
# then runs every test (unit, integration, browser end-to-end, benchmark smoke) and ends with
# a line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-test-deps.sh || exit 1
[ -f packages/web/dist/index.html ] || npm run build:web || exit 1

export NO_COLOR=1
deno=node_modules/.bin/deno
[ -x node_modules/deno/deno ] && deno=node_modules/deno/deno

log=$(mktemp)
trap 'rm -f "$log"' EXIT
failed_checks=0
echo "== format, lint, type-check"
if ! npm run --silent check; then
  failed_checks=1
fi

suites=(
  "packages/protocol packages/server packages/client packages/cli/src packages/web/src tools"
  "test/db"
  "test/integration"
  "test/impairment"
  "test/deploy"
  "test/multinode"
  "test/cli"
  "test/fuzz"
  "bench"
  "test/e2e"
)
for suite in "${suites[@]}"; do
  echo "== deno test $suite"
  # shellcheck disable=SC2086
  "$deno" test --config deno.json -A --unstable-net $suite 2>&1 | tee -a "$log"
done

sum() { grep -Eo "\\| [0-9]+ $1" "$log" | awk '{ total += $2 } END { print total + 0 }'; }
passed=$(sum passed)
failed=$(sum failed)
passed=${passed:-0}
failed=$((${failed:-0} + failed_checks))
[ "$failed_checks" -ne 0 ] && echo "format/lint/type-check failed (counted as 1 failure)"
echo "${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
