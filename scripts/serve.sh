#!/usr/bin/env bash
# Quick start: installs what is missing, builds, and serves the bundled
# dataset on 127.0.0.1:50051 until Ctrl-C. Extra arguments go to the server.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
exec build/server/indicators-server "$@"
