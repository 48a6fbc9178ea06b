#!/bin/sh
# Checks deploy/systemd/indicators-server.service with systemd-analyze verify,
# with ExecStart pointing at the built server: passes only if verify succeeds
# and prints nothing (it reports unknown keys and bad values as warnings).
set -eu
unit_source=$1 server=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
sed "s|/usr/local/bin/indicators-server|$server|" "$unit_source" >"$dir/indicators-server.service"
out=$(systemd-analyze verify "$dir/indicators-server.service" 2>&1) || { echo "$out"; exit 1; }
if [ -n "$out" ]; then echo "$out"; exit 1; fi
grep -q '^ExecReload=/bin/kill -HUP \$MAINPID$' "$dir/indicators-server.service"
grep -q '^NoNewPrivileges=yes$' "$dir/indicators-server.service"
echo "systemd-analyze verify: no findings"
