#!/usr/bin/env bash
# A local cluster in one command: PostgreSQL in a temporary directory (Unix
# socket only) holding the bundled dataset, three replicas following it on
# 127.0.0.1:50051-50053, and nginx in front with TLS on 127.0.0.1:8443 (a
# self-signed certificate made for the run) using deploy/nginx/indicators.conf.
# Runs until Ctrl-C, then stops everything and removes the directory.
# Usage: scripts/cluster.sh [--no-build]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" != "--no-build" ]; then scripts/install-deps.sh; scripts/build.sh; fi
bin=build/server
work=$(mktemp -d /tmp/indicators-cluster-XXXXXX)
as_owner=()
if [ "$(id -u)" -eq 0 ]; then chown postgres "$work"; as_owner=(runuser -u postgres --); fi
pg=/usr/lib/postgresql/15/bin
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  "${as_owner[@]}" "$pg/pg_ctl" -D "$work/pg" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

"${as_owner[@]}" "$pg/initdb" -D "$work/pg" -A trust -U postgres -E UTF8 --locale=C >/dev/null
"${as_owner[@]}" "$pg/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w -o "-c listen_addresses='' -k $work" start >/dev/null
"${as_owner[@]}" psql -X -q -h "$work" -U postgres -d postgres -c "CREATE DATABASE indicators"
db="host=$work user=postgres dbname=indicators"
"$bin/indicators-admin" --database="$db" migrate
"$bin/indicators-admin" --database="$db" import data

head -c 32 /dev/urandom >"$work/page_token.key"  # Shared: tokens work on every replica.
for port in 50051 50052 50053; do
  "$bin/indicators-server" --listen="127.0.0.1:$port" --database="$db" \
    --page_token_key_file="$work/page_token.key" >"$work/replica-$port.log" 2>&1 &
  pids+=($!)
done

openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=localhost" \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
  -keyout "$work/server.key" -out "$work/server.pem" 2>/dev/null
sed -e "s|listen 443 ssl|listen 127.0.0.1:8443 ssl|" \
    -e "s|/etc/ssl/indicators/server.pem|$work/server.pem|" \
    -e "s|/etc/ssl/indicators/server.key|$work/server.key|" \
    -e "s|    server 127.0.0.1:50051 max_fails=1 fail_timeout=2s;|    server 127.0.0.1:50051 max_fails=1 fail_timeout=2s;\n    server 127.0.0.1:50052 max_fails=1 fail_timeout=2s;\n    server 127.0.0.1:50053 max_fails=1 fail_timeout=2s;|" \
    deploy/nginx/indicators.conf >"$work/site.conf"
mkdir -p "$work/nginx"
cat >"$work/nginx.conf" <<CONF
$( [ "$(id -u)" -eq 0 ] && echo "user root;" )
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  include $work/site.conf;
}
CONF
/usr/sbin/nginx -c "$work/nginx.conf" -p "$work/nginx"

cat <<INFO
cluster up (files in $work):
  database   $db
  replicas   127.0.0.1:50051,127.0.0.1:50052,127.0.0.1:50053
  nginx TLS  127.0.0.1:8443 (CA: $work/server.pem)
try:
  build/client/cpp/indicators-client --target=127.0.0.1:50051,127.0.0.1:50052,127.0.0.1:50053 info
  psql "$db" -c "UPDATE observations SET note = 'edited' WHERE ordinal = 1"   # every replica serves it within a second
Ctrl-C stops everything.
INFO
wait "${pids[@]}"
