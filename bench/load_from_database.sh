#!/usr/bin/env bash
# Measures how long the server takes to load a generated dataset from its CSV
# directory and from PostgreSQL (after `indicators-admin import`), at each
# size given (default 1000000 observations). PostgreSQL runs in a temporary
# directory on a Unix socket, fsync off, as the `postgres` user when root.
# Usage: bench/load_from_database.sh [--no-build] [N ...]
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build-release}
if [ "${1:-}" = "--no-build" ]; then shift; else
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build_dir" -j2 --target indicators-server indicators-admin indicators-datagen >/dev/null
fi
sizes=("${@:-1000000}")
server=$build_dir/server/indicators-server admin=$build_dir/server/indicators-admin
datagen=$build_dir/bench/indicators-datagen

. bench/temp_postgres.sh
start_temp_postgres loadbench -c fsync=off -c shared_buffers=1GB

# Starts the server with the given source flag; prints its "loaded in" seconds.
load_seconds() {
  local log=$work/server.log
  "$server" --listen=127.0.0.1:0 "$@" >"$log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 6000); do
    grep -q 'listening on' "$log" && break
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; return 1; }
    sleep 0.05
  done
  kill "$pid"; wait "$pid" || true
  grep -o 'loaded in [0-9.]*s' "$log" | grep -o '[0-9.]*' | head -1
}

printf '| observations | CSV load (s) | import (s) | PostgreSQL load (s) | ratio |\n|---|---|---|---|---|\n'
for n in "${sizes[@]}"; do
  dir=$work/data-$n
  "$datagen" --observations="$n" --out="$dir" >/dev/null
  db="host=$work user=postgres dbname=bench_$n"
  "${as_owner[@]}" psql -X -q -h "$work" -U postgres -d postgres -c "CREATE DATABASE bench_$n"
  "$admin" --database="$db" migrate >/dev/null
  t0=$(date +%s%N)
  "$admin" --database="$db" import "$dir" >/dev/null
  import=$(( ($(date +%s%N) - t0) / 1000000 ))
  csv=$(load_seconds --data="$dir")
  database=$(load_seconds --database="$db")
  ratio=$(awk -v a="$database" -v b="$csv" 'BEGIN { printf "%.2f", a / b }')
  printf '| %s | %s | %s.%03d | %s | %s |\n' "$n" "$csv" $((import / 1000)) $((import % 1000)) "$database" "$ratio"
  rm -rf "$dir"
done
