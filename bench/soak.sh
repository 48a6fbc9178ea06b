#!/usr/bin/env bash
# The soak (docs/PERFORMANCE.md, "Soak"): PostgreSQL in a temporary directory,
# a generated dataset (default 100000 observations) imported, then
# bench/soak.py: three replicas under mixed reads, ingests and watchers
# through the shipped Python client for SOAK_MINUTES (default 10), one
# replica restarted every minute. Prints failed calls, read p99 and RSS per
# minute, and whether every watcher got every revision; exits 1 if a call
# failed or a watcher missed one.
# Usage: bench/soak.sh [--no-build] [N]; SOAK_ARGS passes options to soak.py
# (such as --minutes=2 --readers=8).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build-release}
if [ "${1:-}" = "--no-build" ]; then shift; else
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DINDICATORS_BUILD_TESTS=OFF >/dev/null
  cmake --build "$build_dir" -j2 --target indicators-server indicators-admin \
    indicators-datagen python_client >/dev/null
fi
n=${1:-100000}
server=$build_dir/server/indicators-server admin=$build_dir/server/indicators-admin
datagen=$build_dir/bench/indicators-datagen
python=${INDICATORS_PYTHON:-/usr/bin/python3}

. bench/temp_postgres.sh
start_temp_postgres soak -c max_connections=200

token=soak-token
"$python" -c "import hashlib; print(hashlib.sha256(b'$token').hexdigest(), 'write')" >"$work/tokens"
"$datagen" --observations="$n" --out="$work/data" >/dev/null
db="host=$work user=postgres dbname=soak"
"${as_owner[@]}" psql -X -q -h "$work" -U postgres -d postgres -c "CREATE DATABASE soak"
"$admin" --database="$db" migrate >/dev/null
"$admin" --database="$db" import "$work/data" >/dev/null
echo "## Soak: $n observations, three replicas"
echo
PYTHONPATH="$build_dir/python:client/python" "$python" bench/soak.py \
  --server="$server" --database="$db" --tokens_file="$work/tokens" --token="$token" \
  --log="$work/replicas.log" ${SOAK_ARGS:-} || {
  status=$?
  echo "replica log (last 40 lines):"
  tail -n 40 "$work/replicas.log"
  exit "$status"
}
