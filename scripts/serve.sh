#!/usr/bin/env bash
# Quick start: installs what is missing, builds, and serves the bundled
# dataset until Ctrl-C: gRPC on 127.0.0.1:50051, the HTTP surface (Connect,
# downloads, the OpenAPI document, the web explorer) on 127.0.0.1:8080.
# Extra arguments go to the server (a later --http_listen wins).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
exec build/server/indicators-server --http_listen=127.0.0.1:8080 "$@"
