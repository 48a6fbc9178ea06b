#!/usr/bin/env bash
# The HTTP surface next to gRPC, in the same run, on one server: the point
# query as a Connect call (JSON over HTTP/1.1) against the same query over
# gRPC (HTTP/2), both driven by h2load with the same number of calls in
# flight; and the whole dataset as the CSV download against the same CSV
# made by indicators-client from the gRPC stream. Prints two lines of
# figures and their ratios (medians of --runs). See docs/PERFORMANCE.md.
#
# Usage: bench/http_vs_grpc.sh BUILD_DIR DATASET_DIR OBSERVATIONS [RUNS] [REQUESTS]
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=$1 dir=$2 n=$3 runs=${4:-3} requests=${5:-40000}
server=$build_dir/server/indicators-server
client=$build_dir/client/cpp/indicators-client
python=${INDICATORS_PYTHON:-/usr/bin/python3}
cpu_server="taskset -c 0" cpu_load="taskset -c 1"
if [ "$(nproc)" -lt 2 ]; then cpu_server="" cpu_load=""; fi
work=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

$cpu_server "$server" --data="$dir" --listen=127.0.0.1:0 --http_listen=127.0.0.1:0 \
  --http_threads=32 >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 1200); do
  grep -q 'http on' "$work/server.log" && break
  sleep 0.05
done
grpc=$(sed -n 's/.*listening on \(127\.0\.0\.1:[0-9]*\);.*/\1/p' "$work/server.log")
http=$(sed -n 's|.*http on http://\(127\.0\.0\.1:[0-9]*\)/.*|\1|p' "$work/server.log")
[ -n "$http" ] || { cat "$work/server.log" >&2; exit 1; }

# The loadgen's point query: the latest preferred figure of one series.
json='{"filter":{"indicatorIds":["ind_000"],"regionCodes":["XA-000000"],"latestOnly":true,"sourceMode":"SOURCE_MODE_PREFERRED"}}'
printf '%s' "$json" >"$work/point.json"
PYTHONPATH="$build_dir/python" "$python" - "$json" "$work/point.grpc" <<'PY'
import struct, sys
from google.protobuf import json_format
from indicators.v1 import indicator_service_pb2 as pb
body = json_format.Parse(sys.argv[1], pb.QueryObservationsRequest()).SerializeToString()
open(sys.argv[2], "wb").write(b"\0" + struct.pack(">I", len(body)) + body)
PY
method=/indicators.v1.IndicatorService/QueryObservations
curl -sf -H 'Content-Type: application/json' --data-binary "@$work/point.json" \
  "http://$http$method" | grep -q '"observations":\[{' || { echo "the point query found nothing" >&2; exit 1; }

rate() {  # h2load's requests per second; fails unless every answer was a 200
  local out
  out=$($cpu_load h2load "$@" 2>&1)
  grep -q "status codes: $requests 2xx" <<<"$out" || { echo "$out" >&2; return 1; }
  sed -n 's/.*finished in [0-9.]*m\?s, \([0-9.]*\) req\/s.*/\1/p' <<<"$out"
}
median() { sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
now() { date +%s%N; }

http_rates=() grpc_rates=() csv_http=() csv_grpc=()
for _ in $(seq 1 "$runs"); do
  # 16 calls in flight each: 16 HTTP/1.1 connections, or 16 streams on 4 HTTP/2 ones.
  http_rates+=("$(rate --h1 -n "$requests" -c 16 -t 1 -d "$work/point.json" \
    -H 'Content-Type: application/json' "http://$http$method")")
  grpc_rates+=("$(rate -n "$requests" -c 4 -m 4 -t 1 -d "$work/point.grpc" \
    -H 'content-type: application/grpc' -H 'te: trailers' "http://$grpc$method")")
  t0=$(now)
  $cpu_load curl -sf -o "$work/download.csv" "http://$http/v1/observations.csv"
  t1=$(now)
  $cpu_load "$client" --target="$grpc" --format=csv --output="$work/client.csv" stream 2>/dev/null
  t2=$(now)
  cmp -s "$work/download.csv" "$work/client.csv" || { echo "the CSV download differs from the client's CSV" >&2; exit 1; }
  csv_http+=("$(( (t1 - t0) / 1000000 ))")
  csv_grpc+=("$(( (t2 - t1) / 1000000 ))")
done
h=$(printf '%s\n' "${http_rates[@]}" | median) g=$(printf '%s\n' "${grpc_rates[@]}" | median)
ch=$(printf '%s\n' "${csv_http[@]}" | median) cg=$(printf '%s\n' "${csv_grpc[@]}" | median)
rows=$(($(wc -l <"$work/download.csv") - 1))
echo "Point query over HTTP (Connect, JSON, HTTP/1.1): $h calls/s; over gRPC: $g calls/s (16 in flight each, h2load, median of $runs); HTTP/gRPC $(awk -v a="$h" -v b="$g" 'BEGIN{printf "%.2f", a/b}')."
echo "CSV of all $rows observations: the download $ch ms ($(awk -v r="$rows" -v t="$ch" 'BEGIN{printf "%.1f", r/t/1000}') M obs/s); the same CSV from the gRPC stream by indicators-client $cg ms; download/gRPC time $(awk -v a="$ch" -v b="$cg" 'BEGIN{printf "%.2f", a/b}') (median of $runs)."
