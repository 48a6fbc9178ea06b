#!/usr/bin/env bash
# Benchmarks indicators-server against the bare gRPC floor measured in the
# same run, and prints one table (see docs/PERFORMANCE.md).
#
#   bench/run.sh            full run: release build, 10^6 and 10^7 datasets,
#                           and loading 10^6 from PostgreSQL next to CSV
#   bench/run.sh --smoke    seconds: tiny sizes, checks the tools and answers
#
# Options: --build-dir DIR (default build-release), --no-build, --data-dir DIR.
# The server and the floor run pinned to CPU 0, the load generator to CPU 1.
set -euo pipefail
cd "$(dirname "$0")/.."

smoke=0 build=1 build_dir=build-release data_dir=""
while (($#)); do
  case "$1" in
    --smoke) smoke=1 ;;
    --no-build) build=0 ;;
    --build-dir) build_dir=$2; shift ;;
    --data-dir) data_dir=$2; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
data_dir=${data_dir:-$build_dir/bench-data}

if ((smoke)); then
  sizes=(20000) big=50000 duration=0.3s rounds=1 stream_duration=0.3s
else
  sizes=(1000000) big=10000000 duration=3s rounds=5 stream_duration=3s
fi
if ((build)); then
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DINDICATORS_BUILD_TESTS=OFF >/dev/null
  cmake --build "$build_dir" -j "$(nproc)" --target indicators-server \
    indicators-floor-server indicators-loadgen indicators-datagen indicators-admin \
    indicators-metrics-cost indicators-warnings-cost >/dev/null
fi
server=$build_dir/server/indicators-server
floor=$build_dir/bench/indicators-floor-server
loadgen=$build_dir/bench/indicators-loadgen
datagen=$build_dir/bench/indicators-datagen

cpu_server="taskset -c 0"
cpu_load="taskset -c 1"
if [ "$(nproc)" -lt 2 ]; then cpu_server="" cpu_load=""; fi

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# Starts a server process in the background; sets `started_pid` and
# `started_addr` from its start line.
start() {
  local log=$1; shift
  "$@" >"$log" 2>&1 &
  started_pid=$!
  pids+=("$started_pid")
  for _ in $(seq 1 1200); do
    started_addr=$(grep -o 'listening on 127\.0\.0\.1:[0-9]*' "$log" | head -1 | cut -d' ' -f3) || true
    [ -n "$started_addr" ] && return 0
    kill -0 "$started_pid" 2>/dev/null || { cat "$log" >&2; return 1; }
    sleep 0.05
  done
  echo "no start line in $log" >&2
  return 1
}

status_kb() { grep "^$2:" "/proc/$1/status" | awk '{print $2}'; }

dataset() {
  local n=$1 dir=$data_dir/$1
  if [ ! -f "$dir/observations.csv" ]; then
    "$datagen" --observations="$n" --out="$dir" >/dev/null
  fi
  echo "$dir"
}

results=()
run() {  # run SCENARIO [loadgen flags...]: one RESULT line
  local line
  line=$($cpu_load "$loadgen" --service="$svc" --floor="$floor_addr" --scenario="$1" \
    --duration="$duration" --rounds="$rounds" "${@:2}")
  results+=("$line")
}

start /tmp/indicators-floor.$$.log $cpu_server "$floor" --listen=127.0.0.1:0
floor_addr=$started_addr

memory_rows=()
for n in "${sizes[@]}" "$big"; do
  dir=$(dataset "$n")
  t0=$(date +%s%N)
  start /tmp/indicators-server.$$.log $cpu_server "$server" --data="$dir" --listen=127.0.0.1:0
  svc=$started_addr
  pid=$started_pid
  serving=$($cpu_load "$loadgen" --service="$svc" --scenario=wait_serving --since_unix_ns="$t0" | cut -f2)
  ready=$(grep -o 'loaded in [0-9.]*s' /tmp/indicators-server.$$.log | grep -o '[0-9.]*' | head -1)
  rss=$(status_kb "$pid" VmRSS) hwm=$(status_kb "$pid" VmHWM)
  if [ "$n" = "${sizes[0]}" ]; then
    run get_indicator
    run list_indicators
    run point_query
    run point_query --paced_fraction=0.5
    run page100 --indicator=ind_000 --region=XA-000000
    # The same point query on a second server with the Prometheus endpoint on.
    start /tmp/indicators-server-metrics.$$.log $cpu_server "$server" --data="$dir" \
      --listen=127.0.0.1:0 --metrics_listen=127.0.0.1:0
    plain_svc=$svc svc=$started_addr
    run point_query
    results[-1]=$(sed "s/^RESULT\tpoint_query\t/RESULT\tpoint_query, metrics on\t/" <<<"${results[-1]}")
    kill "$started_pid"; wait "$started_pid" 2>/dev/null || true
    svc=$plain_svc
  fi
  before=$(status_kb "$pid" VmRSS)
  echo 5 >"/proc/$pid/clear_refs"  # Resets VmHWM: the export's own peak next.
  results+=("$($cpu_load "$loadgen" --service="$svc" --floor="$floor_addr" --scenario=stream \
    --duration="$stream_duration" --rounds="$rounds" --channels=1 --expect_observations="$n" \
    | sed "s/^RESULT\tstream\t/RESULT\tstream $n\t/")")
  after=$(status_kb "$pid" VmHWM)
  memory_rows+=("$n $rss $hwm $ready $serving $before $after")
  kill "$pid"; wait "$pid" 2>/dev/null || true
done

echo "## Throughput and latency against the floor (medians of $rounds alternating rounds)"
echo
echo "| scenario | load | service | floor | ratio | response B | service p50/p90/p99 µs | floor p50/p90/p99 µs |"
echo "|---|---|---|---|---|---|---|---|"
for line in "${results[@]}"; do
  IFS=$'\t' read -r _ name mode unit svc_tp floor_tp ratio bytes s50 s90 s99 f50 f90 f99 sb fb <<<"$line"
  if [[ $name == stream* ]]; then
    printf '| %s | %s | %s obs/s (%s MB/s) | %s obs/s (%s MB/s) | %s (bytes/s) | %s/msg | %s/%s/%s | %s/%s/%s |\n' \
      "$name" "$mode" "$svc_tp" "$((${sb%.*} / 1000000))" "$floor_tp" "$((${fb%.*} / 1000000))" \
      "$ratio" "$bytes" "$s50" "$s90" "$s99" "$f50" "$f90" "$f99"
  else
    printf '| %s | %s | %s %s | %s %s | %s | %s | %s/%s/%s | %s/%s/%s |\n' \
      "$name" "$mode" "$svc_tp" "$unit" "$floor_tp" "$unit" "$ratio" "$bytes" \
      "$s50" "$s90" "$s99" "$f50" "$f90" "$f99"
  fi
done
echo
# The cost of metrics: the point query's ratio with metrics on over its ratio
# without (both against the floor of the same rounds).
field_of() {  # field_of SCENARIO N: field N of the scenario's result at max load
  for line in "${results[@]}"; do
    IFS=$'\t' read -r -a fields <<<"$line"
    [ "${fields[1]}" = "$1" ] && [ "${fields[2]}" = max ] && { echo "${fields[$2]}"; return; }
  done
  return 0
}
plain=$(field_of point_query 6) metered=$(field_of "point_query, metrics on" 6)
if [ -n "$plain" ] && [ -n "$metered" ]; then
  echo "Metrics on: point query at $(awk -v m="$metered" -v p="$plain" 'BEGIN{printf "%.3f", m/p}')x the throughput ratio without (target: at least 0.97)."
fi
# The same cost without the noise of two loaded servers: the CPU time of
# counting one call (in process), against the point query's time per call.
cost=$build_dir/bench/indicators-metrics-cost
if [ -x "$cost" ]; then
  ns=$($cost --benchmark_filter='threads:1$' --benchmark_min_time=0.2 2>/dev/null |
    awk '/^BM_CountOneUnaryCall/ {print $2}')
  point_rate=$(field_of point_query 4)
  if [ -n "$ns" ] && [ -n "$point_rate" ]; then
    echo "Counting one call costs $ns ns of CPU: $(awk -v n="$ns" -v r="$point_rate" 'BEGIN{printf "%.2f", n*r/1e7}')% of a point query's time per call on the server's core."
  fi
fi
# What comparability warnings cost a 100-row page, in process: a page that
# mixes nothing and one that mixes everything (the synthetic data's), beside
# encoding the page.
warnings_cost=$build_dir/bench/indicators-warnings-cost
if [ -x "$warnings_cost" ]; then
  for data in innovation "${sizes[0]}"; do
    if [ "$data" = innovation ]; then env=(); label="innovation test data"
    else env=(INDICATORS_BENCH_DATA="$data_dir/$data"); label="synthetic $data"; fi
    env "${env[@]}" $cpu_server "$warnings_cost" --benchmark_min_time=0.2 2>/dev/null |
      awk -v label="$label" '/^BM_/ {t[$1]=$4} END {
        printf "Warnings of a 100-row page (%s): %s ns clean, %s ns mixed; encoding the page %s ns.\n",
          label, t["BM_WarningsOfACleanPage"], t["BM_WarningsOfAMixedPage"], t["BM_EncodePage"]}'
  done
fi
echo
echo "## Loading and memory"
echo
echo "| observations | load | load rate | first SERVING | RSS after load | bytes/observation | peak RSS (load) | RSS growth during a full export |"
echo "|---|---|---|---|---|---|---|---|"
for row in "${memory_rows[@]}"; do
  read -r n rss hwm ready serving before after <<<"$row"
  printf '| %s | %ss | %s rows/s | %ss | %s MB | %s | %s MB | %s MB |\n' \
    "$n" "$ready" "$(awk -v n="$n" -v t="$ready" 'BEGIN{printf "%.0f", n/t}')" "$serving" \
    "$((rss / 1024))" "$(awk -v r="$rss" -v n="$n" 'BEGIN{printf "%.0f", r*1024/n}')" \
    "$((hwm / 1024))" "$(awk -v a="$after" -v b="$before" 'BEGIN{d=(a-b)/1024; printf "%.1f", d<0?0:d}')"
done
echo
echo "## Loading from PostgreSQL next to CSV (bench/load_from_database.sh)"
echo
BUILD_DIR=$build_dir bench/load_from_database.sh --no-build "${sizes[0]}"
