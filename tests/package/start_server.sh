# Sourced by the package tests: start_server SERVER DATA_DIR LOG starts the
# server on a free loopback port in the background and sets `server_pid`,
# `address` (host:port) and `version` (the dataset version it serves).
start_server() {
  "$1" --listen=127.0.0.1:0 --data="$2" >"$3" 2>&1 &
  server_pid=$!
  address=""
  for _ in $(seq 1 200); do
    address=$(grep -o 'listening on 127\.0\.0\.1:[0-9]*' "$3" | cut -d' ' -f3) || true
    [ -n "$address" ] && break
    sleep 0.05
  done
  [ -n "$address" ] || { cat "$3"; return 1; }
  version=$(grep -o 'dataset [0-9a-f]\{64\}' "$3" | cut -d' ' -f2)
}
