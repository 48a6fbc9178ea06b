#!/usr/bin/env bash
# Quick start: installs what is missing, builds, and runs every test (core,
# rpc and end-to-end with buf curl) through ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
cd build
ctest --output-on-failure -j "$(nproc)" --timeout 300
