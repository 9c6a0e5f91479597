#!/usr/bin/env bash
# The runbook's Step 3, as it reads there:  DEPLOYMENT_PHASE=3 bash scripts/post-deployment-check.sh
# Runs every check that must hold once that phase is live (--grep "@phase3\b"), prints the
# phase report's summary and exits by its status: 0 for PASS or WARN, 1 for FAIL, 2 when no
# report was written (bad phase, bad settings, reporter failure), 3 for ERROR (INCONCLUSIVE: the
# checker could not verify; fix the runner and re-run, do not roll back). Extra arguments go to
# Playwright (e.g. --workers=2).
set -uo pipefail
cd "$(dirname "$0")/.."

phase="${DEPLOYMENT_PHASE:-}"
if [[ ! "$phase" =~ ^[1-8]$ ]]; then
  echo "post-deployment-check: set DEPLOYMENT_PHASE to the phase just deployed (1 to 8)" >&2
  echo "usage: DEPLOYMENT_PHASE=3 bash scripts/post-deployment-check.sh [playwright options]" >&2
  exit 2
fi
export DEPLOYMENT_PHASE="$phase"

# The reporter prints "Report: <dir>/INDEX.md"; keep a copy of the output to find it.
output="$(mktemp "${TMPDIR:-/tmp}/phasegate-check.XXXXXX")"
trap 'rm -f "$output"' EXIT

echo "post-deployment-check: phase $phase: npx playwright test --grep \"@phase${phase}\\b\" $*"
npx --no-install playwright test --grep "@phase${phase}\\b" "$@" 2>&1 | tee "$output"
playwright_status=${PIPESTATUS[0]}

index="$(sed -n 's/^Report: \(.*INDEX\.md\)$/\1/p' "$output" | tail -n 1)"
report_dir="$(dirname "$index")"
if [[ -z "$index" || ! -f "$report_dir/status.env" ]]; then
  echo "post-deployment-check: no phase report was written (Playwright exited $playwright_status)" >&2
  exit 2
fi

# shellcheck disable=SC1091
source "$report_dir/status.env"
echo
echo "═══ $report_dir/summary.txt ═══"
cat "$report_dir/summary.txt"
echo
echo "Screenshots saved to: $SCREENSHOT_DIR"
echo "Start here: $index"
if [[ "$STATUS" == "FAIL" ]]; then
  echo "❌ Tests failed - stopping deployment (RECOMMENDATION=$RECOMMENDATION)"
  exit 1
fi
if [[ "$STATUS" == "ERROR" ]]; then
  echo "❔ Could not verify phase $PHASE ($INCONCLUSIVE check(s) inconclusive): fix the runner and re-run; do not roll back on this result (RECOMMENDATION=$RECOMMENDATION)"
  exit 3
fi
exit 0
