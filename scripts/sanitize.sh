#!/usr/bin/env bash
# Builds everything with clang, AddressSanitizer and UndefinedBehaviorSanitizer
# into build-sanitize/, runs the C++ test suites there, then runs each libFuzzer
# target for FUZZ_SECONDS (default 20) on a copy of its committed corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-20}

cmake -S . -B build-sanitize -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang \
  -DINDICATORS_SANITIZE=ON >/dev/null
cmake --build build-sanitize -j "$(nproc)"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# The C++ suites (core, rpc, end to end) under the sanitizers; the other
# languages' clients, the benchmark smoke and the flood test (it measures
# resident memory, which AddressSanitizer's shadow and quarantine distort) run
# in the plain build.
(cd build-sanitize && ctest --output-on-failure -j "$(nproc)" --timeout 600 \
  -E '^(PythonClient|NodeClient|BenchSmoke|Buf.*|FloodTest\..*)$')

failed=0
for target in dataset_parser page_token request; do
  corpus=$(mktemp -d)
  log=$(mktemp)
  cp fuzz/corpus/"$target"/* "$corpus"/
  echo "fuzzing $target for ${seconds}s"
  if build-sanitize/fuzz/"$target"_fuzzer -max_total_time="$seconds" \
      -rss_limit_mb=2048 -print_final_stats=1 "$corpus" >"$log" 2>&1; then
    grep -E 'stat::number_of_executed_units' "$log" || true
  else
    tail -n 60 "$log"
    echo "fuzzer $target found a failure"
    failed=$((failed + 1))
  fi
  rm -rf "$corpus" "$log"
done
echo "fuzz: $((3 - failed)) passed, $failed failed"
exit $((failed > 0))
