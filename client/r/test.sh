#!/usr/bin/env bash
# Runs the R client's tests against live servers on 127.0.0.1 (port 0): one
# plain, one with tokens required for reads behind nginx with TLS (the
# shipped deploy/nginx/indicators.conf, a certificate made here), as
# deployed. Usage: test.sh SERVER_BINARY TEST_DATA_DIR [NGINX_BINARY]
set -euo pipefail
server=$1
data=$2
nginx=${3:-/usr/sbin/nginx}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# Starts the server with "$@" and prints its HTTP base URL (its gRPC address
# in $work/grpc.<http port>).
start() {
  local log=$work/server$#.$RANDOM
  "$server" --listen=127.0.0.1:0 --http_listen=127.0.0.1:0 --data="$data" \
    "$@" >"$log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do
    url=$(sed -n 's|.*http on \(https\{0,1\}://127\.0\.0\.1:[0-9]*\)/.*|\1|p' "$log")
    if [ -n "$url" ]; then
      sed -n 's|.*listening on \(127\.0\.0\.1:[0-9]*\);.*|\1|p' "$log" >"$work/grpc.${url##*:}"
      echo "$url"
      return
    fi
    sleep 0.1
  done
  echo "server did not start:" >&2
  cat "$log" >&2
  exit 1
}

openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$work/key.pem" \
  -out "$work/cert.pem" 2>/dev/null
token=r-client-test-token
echo "$(printf %s "$token" | sha256sum | cut -d' ' -f1) read" >"$work/tokens"

export INDICATORS_HTTP_URL
export INDICATORS_HTTPS_URL
INDICATORS_HTTP_URL=$(start)
guarded=$(start --tokens_file="$work/tokens" --require_read_token)
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sed -e "s|listen 443 ssl|listen 127.0.0.1:$port ssl|" \
    -e "s|/etc/ssl/indicators/server.pem|$work/cert.pem|" \
    -e "s|/etc/ssl/indicators/server.key|$work/key.pem|" \
    -e "s|server 127.0.0.1:50051 |server $(cat "$work/grpc.${guarded##*:}") |" \
    -e "s|server 127.0.0.1:8080 |server ${guarded#http://} |" \
    "$here/../../deploy/nginx/indicators.conf" >"$work/site.conf"
mkdir -p "$work/nginx"
{
  [ "$(id -u)" -eq 0 ] && echo "user root;"
  echo "worker_processes 1; pid $work/nginx.pid; error_log $work/nginx.log warn;"
  echo "events {} http { access_log off;"
  for t in client_body proxy fastcgi uwsgi scgi; do echo "${t}_temp_path $work/nginx/$t;"; done
  echo "include $work/site.conf; }"
} >"$work/nginx.conf"
"$nginx" -p "$work" -c "$work/nginx.conf" -g "daemon off;" &
pids+=($!)
INDICATORS_HTTPS_URL=https://127.0.0.1:$port
for _ in $(seq 50); do
  curl -s -o /dev/null --cacert "$work/cert.pem" "$INDICATORS_HTTPS_URL/" && break
  sleep 0.1
done
export INDICATORS_CA_FILE=$work/cert.pem
export INDICATORS_READ_TOKEN=$token

# The package is installed into a library of the test's own, then tested.
mkdir -p "$work/lib"
R CMD INSTALL --no-test-load --library="$work/lib" "$here" >"$work/install.log" 2>&1 ||
  { cat "$work/install.log"; exit 1; }
cd "$here/tests"
R_LIBS="$work/lib" Rscript -e 'library(testthat); library(indicators);
  r <- as.data.frame(test_dir("testthat", reporter = "summary", stop_on_failure = TRUE));
  cat(sprintf("%d tests, %d expectations, %d failed\n", nrow(r), sum(r$nb), sum(r$failed)))'
