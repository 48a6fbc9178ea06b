#!/usr/bin/env bash
# Installs the C++ client package into a temporary prefix, builds a separate
# project against it twice (CMake find_package, then pkg-config), and runs
# both builds against a live server.
#   installed_package_builds.sh BUILD_DIR SERVER_BINARY TEST_DATA_DIR
set -euo pipefail
build_dir=$1 server=$2 data=$3
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
# shellcheck source=start_server.sh
source "$(dirname "$0")/start_server.sh"

cmake --install "$build_dir" --prefix "$work/prefix" >/dev/null

# 1. CMake: find_package(indicators 1 CONFIG REQUIRED).
cmake -S "$here/consumer" -B "$work/cmake-build" \
  -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/cmake-build" >/dev/null

# 2. pkg-config.
export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig"
# shellcheck disable=SC2046
g++ -std=c++17 -o "$work/pc-consumer" "$here/consumer/consumer.cc" \
  $(pkg-config --cflags --libs indicators)

start_server "$server" "$data" "$work/server.log"

for consumer in "$work/cmake-build/consumer" "$work/pc-consumer"; do
  out=$("$consumer" "$address")
  echo "$out"
  expected="version $version"
  grep -qx "$expected" <<<"$out" || { echo "FAIL: no '$expected'"; exit 1; }
  grep -qx "indicator rd_expenditure CNY 10^9" <<<"$out" || { echo "FAIL: indicator"; exit 1; }
  grep -qE "^observations [1-9][0-9]*$" <<<"$out" || { echo "FAIL: observations"; exit 1; }
  grep -qx "error UNKNOWN_INDICATOR" <<<"$out" || { echo "FAIL: error details"; exit 1; }
done
grep -qx "proto found" <<<"$("$work/cmake-build/consumer" "$address")" || { echo "FAIL: indicators_PROTO_DIR"; exit 1; }
echo "installed package: CMake and pkg-config consumers both called the server"
