#!/usr/bin/env bash
# Live data at scale (docs/PERFORMANCE.md, "Live data"): PostgreSQL with
# durable commits (fsync and synchronous_commit on) in a temporary directory,
# a generated dataset of each size given (default 1000000 observations)
# imported, three replicas on this machine, then bench/live.py: one-row
# ingest acknowledgement and time until every replica serves it, sustained
# one-row batches with 8 writers and the replicas' RSS meanwhile, 10,000-row
# batches, 1,000 watchers, and the catch-up of a replica stopped for 10,000
# revisions. Usage: bench/live.sh [--no-build] [N ...]; LIVE_ARGS passes options
# to live.py (such as --ingests=30).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build-release}
if [ "${1:-}" = "--no-build" ]; then shift; else
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DINDICATORS_BUILD_TESTS=OFF >/dev/null
  cmake --build "$build_dir" -j2 --target indicators-server indicators-admin \
    indicators-datagen python_client >/dev/null
fi
sizes=("${@:-1000000}")
server=$build_dir/server/indicators-server admin=$build_dir/server/indicators-admin
datagen=$build_dir/bench/indicators-datagen
python=${INDICATORS_PYTHON:-/usr/bin/python3}

pids=()
extra_cleanup() {
  for p in "${pids[@]}"; do kill -CONT "$p" 2>/dev/null; kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
. bench/temp_postgres.sh
start_temp_postgres livebench -c fsync=on -c synchronous_commit=on -c shared_buffers=1GB \
  -c max_connections=200

token=live-bench-token
"$python" -c "import hashlib; print(hashlib.sha256(b'$token').hexdigest(), 'write')" >"$work/tokens"

for n in "${sizes[@]}"; do
  dir=$work/data-$n
  "$datagen" --observations="$n" --out="$dir" >/dev/null
  db="host=$work user=postgres dbname=live_$n"
  "${as_owner[@]}" psql -X -q -h "$work" -U postgres -d postgres -c "CREATE DATABASE live_$n"
  "$admin" --database="$db" migrate >/dev/null
  t0=$(date +%s%N)
  "$admin" --database="$db" import "$dir" >/dev/null
  import_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  echo "## $n observations"
  echo
  echo "| figure | measured | target at 10^7 |"
  echo "|---|---|---|"
  awk -v n="$n" -v ms="$import_ms" 'BEGIN { printf "| import (rows/s) | %.0f | >= 300,000 |\n", n / (ms / 1000) }'
  addresses=() pids=()
  for i in 0 1 2; do
    log=$work/replica-$i.log
    "$server" --listen=127.0.0.1:0 --database="$db" --tokens_file="$work/tokens" \
      --watch_progress_interval=200ms --max_concurrent_streams=2000 \
      --max_request_bytes=16777216 >"$log" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 6000); do
      grep -q 'listening on' "$log" && break
      sleep 0.05
    done
    addresses+=("$(grep -o 'listening on [0-9.:]*' "$log" | grep -o '[0-9.]*:[0-9]*')")
  done
  PYTHONPATH="$build_dir/python" "$python" bench/live.py \
    --replicas="$(IFS=,; echo "${addresses[*]}")" --pids="$(IFS=,; echo "${pids[*]}")" \
    ${LIVE_ARGS:-} --token="$token" --database="$db" --psql="${as_owner[*]} psql -h $work -U postgres"
  for p in "${pids[@]}"; do kill "$p"; done
  wait 2>/dev/null || true
  pids=()
  echo
  rm -rf "$dir"
done
