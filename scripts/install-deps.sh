#!/usr/bin/env bash
# Installs what building and testing need on Debian 12: the C++ toolchain and
# libraries from Debian, and buf (for buf curl) from the npm registry.
# Installs only what is missing; uses sudo when not run as root.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libssl-dev libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-grpcio python3-grpc-tools python3-protobuf python3-matplotlib python3-pandas python3-numpy
  clang libclang-rt-14-dev openssl nginx nghttp2-client
  libpqxx-dev libpq-dev postgresql-15
  prometheus-cpp-dev libcivetweb-dev curl
  r-base-core r-cran-httr2 r-cran-jsonlite r-cran-testthat
  chromium
  python3-venv python3-setuptools python3-wheel
  golang-go protoc-gen-go protoc-gen-go-grpc golang-google-grpc-dev
  golang-google-protobuf-dev golang-github-golang-protobuf-1-5-dev
)
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm packages, pinned by each package-lock.json: buf for the contract checks
# and buf curl (tools/), the TypeScript client's and the web explorer's
# dependencies, and the MCP server's (after the client it links to).
for dir in tools client/node client/mcp client/web; do
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done
