#!/usr/bin/env bash
# Quick start: installs what is missing, builds, and runs every test: the
# ctest suites (core, rpc, end to end with buf curl, Python, TypeScript,
# contract checks, benchmark smoke), then the C++ suites again under ASan and
# UBSan and each libFuzzer target for a short, fixed time.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
(cd build && ctest --output-on-failure -j "$(nproc)" --timeout 300)
scripts/sanitize.sh
