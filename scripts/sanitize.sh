#!/usr/bin/env bash
# Builds the C++ suites, the programs they start and the libFuzzer targets
# with clang, AddressSanitizer and UndefinedBehaviorSanitizer into
# build-sanitize/, runs the suites there (ctest label `cxx`), then runs each
# fuzzer for FUZZ_SECONDS (default 20) on a copy of its committed corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-20}
fuzzers=(dataset_parser page_token request ingest)
start=$SECONDS
# Prints how long the step that just ended took (scripts/test.sh reports it).
took() {
  echo "sanitize phase: $(printf '%5d' $((SECONDS - start)))  $1"
  start=$SECONDS
}

cmake -S . -B build-sanitize -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang \
  -DINDICATORS_SANITIZE=ON >/dev/null
# Only what the suites link or start (the other languages' clients, the
# benchmarks and the package tests run in the plain build).
cmake --build build-sanitize -j "$(nproc)" --target core_tests rpc_tests \
  client_tests store_tests e2e_tests "${fuzzers[@]/%/_fuzzer}"
took "configure and build"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# The C++ suites under the sanitizers, but the flood test: it measures
# resident memory, which AddressSanitizer's shadow and quarantine distort.
(cd build-sanitize && ctest --output-on-failure -j "$(nproc)" --timeout 600 \
  -L '^cxx$' -E '^FloodTest\.')
took "ctest (label cxx)"

failed=0
for target in "${fuzzers[@]}"; do
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
took "fuzzers"
echo "fuzz: $((${#fuzzers[@]} - failed)) passed, $failed failed"
exit $((failed > 0))
