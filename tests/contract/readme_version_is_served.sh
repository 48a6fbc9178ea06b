#!/usr/bin/env bash
# Checks that the dataset version README.md defines, recomputed by an
# independent script (recompute_version.py), is the version the server
# serves, for each dataset directory given.
# Usage: readme_version_is_served.sh SERVER PYTHON DIR...
set -uo pipefail
server=$1
python=$2
shift 2
here=$(dirname "$0")
passed=0
failed=0
for dir in "$@"; do
  log=$(mktemp)
  "$server" --listen=127.0.0.1:0 --data="$dir" --lame_duck=0s \
    --drain_timeout=1s >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do
    grep -q "listening on" "$log" && break
    sleep 0.1
  done
  served=$(sed -nE 's/.*listening on [^;]*; dataset ([0-9a-f]{64}) .*/\1/p' "$log" | head -1)
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  recomputed=$("$python" "$here/recompute_version.py" "$dir")
  if [ -n "$served" ] && [ "$served" = "$recomputed" ]; then
    passed=$((passed + 1))
  else
    echo "$dir: served '${served}', README's definition gives '${recomputed}'"
    cat "$log"
    failed=$((failed + 1))
  fi
  rm -f "$log"
done
echo "$passed passed, $failed failed"
exit $((failed > 0))
