#!/usr/bin/env bash
# Benchmarks indicators-server against the bare gRPC floor measured in the
# same run, and prints one table (see docs/PERFORMANCE.md).
#
#   bench/run.sh            full run: release build, 10^6 and 10^7 datasets,
#                           three runs (medians, each run's figures shown), and
#                           loading 10^6 from PostgreSQL next to CSV
#   bench/run.sh --smoke    seconds: tiny sizes, one run; checks the tools and
#                           the answers
#
# Options: --build-dir DIR (default build-release), --no-build, --data-dir DIR,
# --runs N (default 3; 1 with --smoke).
# The server and the floor run pinned to CPU 0, the load generator to CPU 1.
set -euo pipefail
cd "$(dirname "$0")/.."

smoke=0 build=1 build_dir=build-release data_dir="" runs=""
while (($#)); do
  case "$1" in
    --smoke) smoke=1 ;;
    --runs) runs=$2; shift ;;
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
  runs=${runs:-1} py_repeat=1 http_requests=2000
else
  sizes=(1000000) big=10000000 duration=3s rounds=3 stream_duration=3s
  runs=${runs:-3} py_repeat=2 http_requests=40000
fi
if ((build)); then
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DINDICATORS_BUILD_TESTS=OFF >/dev/null
  cmake --build "$build_dir" -j "$(nproc)" --target indicators-server indicators-client \
    indicators-floor-server indicators-loadgen indicators-datagen indicators-admin \
    indicators-metrics-cost indicators-warnings-cost indicators-export-cost \
    python_client >/dev/null
fi
server=$build_dir/server/indicators-server
floor=$build_dir/bench/indicators-floor-server
loadgen=$build_dir/bench/indicators-loadgen
datagen=$build_dir/bench/indicators-datagen

# The Python client needs Debian's python3-grpcio (README).
python=${INDICATORS_PYTHON:-/usr/bin/python3}
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

results=()  # "RUN<TAB>RESULT..." lines of every run
run() {  # run SCENARIO [loadgen flags...]: one RESULT line
  local line
  line=$($cpu_load "$loadgen" --service="$svc" --floor="$floor_addr" --scenario="$1" \
    --duration="$duration" --rounds="$rounds" "${@:2}")
  results+=("$r"$'\t'"$line")
}
# An export of the whole dataset of N observations (stream or columns), one
# stream at a time; named "SCENARIO N".
export_run() {  # export_run SCENARIO N
  results+=("$r"$'\t'"$($cpu_load "$loadgen" --service="$svc" --floor="$floor_addr" \
    --scenario="$1" --duration="$stream_duration" --rounds="$rounds" --channels=1 \
    --expect_observations="$2" | sed "s/^RESULT\t$1\t/RESULT\t$1 $2\t/")")
}
pyresults=()  # "RUN<TAB>PYRESULT..." lines
python_run() {  # python_run N FORMATS: the Python client's decode rates
  local line
  while IFS= read -r line; do pyresults+=("$r"$'\t'"$line"); done < <(
    PYTHONPATH="$build_dir/python:client/python" $cpu_load "$python" bench/python_decode.py \
      --target="$svc" --expect="$1" --formats="$2" --repeat="$py_repeat")
}

start /tmp/indicators-floor.$$.log $cpu_server "$floor" --listen=127.0.0.1:0
floor_addr=$started_addr

memory_rows=()
for r in $(seq 1 "$runs"); do
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
      results[-1]=$(sed "s/\tRESULT\tpoint_query\t/\tRESULT\tpoint_query, metrics on\t/" <<<"${results[-1]}")
      kill "$started_pid"; wait "$started_pid" 2>/dev/null || true
      svc=$plain_svc
      python_run "$n" rows,columns
    else
      python_run "$n" columns
    fi
    before=$(status_kb "$pid" VmRSS)
    echo 5 >"/proc/$pid/clear_refs"  # Resets VmHWM: the export's own peak next.
    export_run stream "$n"
    after=$(status_kb "$pid" VmHWM)
    export_run columns "$n"
    memory_rows+=("$r $n $rss $hwm $ready $serving $before $after")
    kill "$pid"; wait "$pid" 2>/dev/null || true
  done
done

echo "## Throughput and latency against the floor"
echo
echo "Each run alternates $rounds rounds of floor and service and reports their medians; the table shows"
echo "the median of $runs run(s) for every column, and each run's ratio."
echo
printf '%s\n' "${results[@]}" | python3 bench/report.py throughput
echo
printf '%s\n' "${pyresults[@]}" | python3 bench/report.py python
echo
# field_of SCENARIO N: field N (as loadgen prints it) of the scenario's
# result at max load, the median over the runs.
field_of() {
  printf '%s\n' "${results[@]}" | python3 bench/report.py field "$1" "$2"
}
# The cost of metrics: the point query's ratio with metrics on over its ratio
# without (both against the floor of the same rounds).
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
# What a full export costs the server's core in process: rows against columns.
export_cost=$build_dir/bench/indicators-export-cost
if [ -x "$export_cost" ]; then
  INDICATORS_BENCH_DATA="$data_dir/$big" $cpu_server "$export_cost" --benchmark_min_time=0.5 \
    2>/dev/null | awk -v n="$big" '/^BM_/ {for (i = 1; i <= NF; i++) if ($i ~ /^ns_per_observation=/) {
        split($i, kv, "="); t[$1] = kv[2]}} END {
      printf "A full export of %s observations in process (scan and encode, no socket): rows %s, columns %s per observation.\n",
        n, t["BM_RowStreamExport/1"], t["BM_ColumnExport"]}'
fi
echo
echo "## The HTTP surface next to gRPC (bench/http_vs_grpc.sh)"
echo
bench/http_vs_grpc.sh "$build_dir" "$data_dir/${sizes[0]}" "${sizes[0]}" "$runs" "$http_requests"
echo
echo "## Loading and memory"
echo
printf '%s\n' "${memory_rows[@]}" | python3 bench/report.py memory
echo
echo "## Loading from PostgreSQL next to CSV (bench/load_from_database.sh)"
echo
BUILD_DIR=$build_dir bench/load_from_database.sh --no-build "${sizes[0]}"
