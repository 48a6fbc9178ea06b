#!/usr/bin/env bash
# Quick start: installs what is missing, builds, and runs every test: the
# ctest suites (core, rpc, end to end with buf curl, Python, TypeScript, Go,
# contract checks, benchmark smoke), then the C++ suites again under ASan and
# UBSan and each libFuzzer target for a short, fixed time. Prints where the
# time went at the end (each phase, and the ctest suites that took longest),
# whether the run passed or not.
set -euo pipefail
cd "$(dirname "$0")/.."

phases=()
logs=$(mktemp -d)
report() {
  echo
  echo "== time by phase (s)"
  printf '  %s\n' "${phases[@]}"
  sed -n 's/^sanitize phase: /    /p' "$logs/ctest-sanitize.log" 2>/dev/null || true
  for log in "$logs"/ctest-*.log; do
    [ -s "$log" ] || continue
    echo "== $(basename "$log" .log): test time by suite (s), the longest 12"
    # "N/M Test #K: Suite.Name ....   Passed   1.23 sec": sum per suite.
    sed -nE 's/^ *[0-9]+\/[0-9]+ Test +#[0-9]+: ([^ .]+)[^ ]* .* ([0-9.]+) sec$/\1 \2/p' "$log" |
      awk '{t[$1] += $2; n[$1]++} END {for (s in t) printf "  %7.1f  %s (%d)\n", t[s], s, n[s]}' |
      sort -rn | head -12
  done
  rm -rf "$logs"
}
trap report EXIT
# Runs "$@" as phase `name`, adding its duration to the report.
phase() {
  local name=$1 start=$SECONDS status=0
  shift
  "$@" || status=$?
  phases+=("$(printf '%5d  %s%s' $((SECONDS - start)) "$name" \
    "$([ "$status" -eq 0 ] || echo " (failed: exit $status)")")")
  return "$status"
}

phase "install dependencies" scripts/install-deps.sh
phase "configure and build" scripts/build.sh
phase "ctest (plain build)" bash -c 'set -o pipefail; cd build && ctest --output-on-failure -j "$(nproc)" --timeout 300 | tee "$1"' _ "$logs/ctest-plain.log"
phase "sanitizer build, suites and fuzzers" bash -c 'set -o pipefail; scripts/sanitize.sh | tee "$1"' _ "$logs/ctest-sanitize.log"
