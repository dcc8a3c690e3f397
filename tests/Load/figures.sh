#!/usr/bin/env bash
# The load figures of BENCHMARKS.md: starts homeservers with ./deploy/run, each on a fresh private
# PostgreSQL and Redis (its own data folder), drives them with the load tool, prints the tool's
# report (latencies, rates, per-process RSS and CPU), and stops them.
#
#   tests/Load/figures.sh single|persisters-1|local|persisters-4 RATE [USERS ROOMS SECONDS]
#   tests/Load/figures.sh federation-latency RATE [USERS ROOMS SECONDS]   # two single processes, A -> B
#   tests/Load/figures.sh federation-inbound [TXN_SIZE MAX_BACKLOG SECONDS] # the tool as a remote server sends /send
#   tests/Load/figures.sh federation-outbound [USERS ROOMS SECONDS]       # the tool as a remote server receives
#
# Run on a quiet machine, one at a time (the cluster topologies share their ports). The client load
# shapes first run the load for PREWARM_SECONDS (60; 0 measures a fresh server) and discard it.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
shape=${1:?single, persisters-1, local, persisters-4 or federation-latency, federation-inbound, federation-outbound}
port=18408
other_port=18418
data=$(mktemp -d /tmp/figures.XXXXXX)
# The processes' logs and deploy/run's output are kept in /tmp/figures-logs (the last run's; B's under b/).
trap './deploy/run stop --data "$data/b" >/dev/null 2>&1 || true; ./deploy/run stop --data "$data" >/dev/null 2>&1 || true;
  rm -rf /tmp/figures-logs; mkdir -p /tmp/figures-logs/b; cp -r "$data/logs/." "$data/run.out" /tmp/figures-logs 2>/dev/null || true;
  cp -r "$data/b/logs/." "$data/b/run.out" /tmp/figures-logs/b 2>/dev/null || true; rm -rf "$data"' EXIT

# start_server DATA PORT DEPLOY_RUN_ARGS...: runs ./deploy/run in the background until it answers.
start_server() {
  local dir=$1 at=$2; shift 2
  mkdir -p "$dir"
  # Every user registers from this one address.
  env -u Cluster__Postgres -u Cluster__Redis Cluster__RateLimits__Registration__Burst=100000 \
    ./deploy/run "$@" --port "$at" --data "$dir" >"$dir/run.out" 2>&1 &
  for _ in $(seq 1 300); do
    grep -q "homeserver .* on" "$dir/run.out" && break
    if grep -q "exited\|not healthy\|did not answer" "$dir/run.out"; then cat "$dir/run.out" >&2; exit 1; fi
    sleep 1
  done
  curl -fsS -o /dev/null "http://127.0.0.1:$at/_matrix/client/versions"
}
postmaster() { head -1 "$1/pg/postmaster.pid"; }
single_pid() { pgrep -f "Cluster.Main.dll --port $1"; }
load=(dotnet tests/Load/bin/Release/net10.0/Cluster.Load.dll)
dotnet build tests/Load -c Release -v q -nologo >/dev/null

case "$shape" in
  federation-latency)
    # Federating servers on loopback are named after their address (plain HTTP between them).
    start_server "$data" "$port" --single --server-name "127.0.0.1:$port"
    start_server "$data/b" "$other_port" --single --server-name "127.0.0.1:$other_port"
    "${load[@]}" --federation latency --url "http://127.0.0.1:$port" --remote-url "http://127.0.0.1:$other_port" \
      --rate "${2:?messages per second}" --users "${3:-5}" --rooms "${4:-1}" --seconds "${5:-30}" --warmup 10 \
      --pid "$(single_pid "$port")" --remote-pid "$(single_pid "$other_port")"
    exit ;;
  federation-inbound|federation-outbound)
    start_server "$data" "$port" --single --server-name "127.0.0.1:$port"
    processes=(--pid "$(single_pid "$port")" --postgres-pid "$(postmaster "$data")")
    if [ "$shape" = federation-inbound ]; then
      "${load[@]}" --federation inbound --url "http://127.0.0.1:$port" \
        --txn-size "${2:-50}" --max-backlog "${3:-500}" --seconds "${4:-30}" --warmup 10 "${processes[@]}"
    else
      "${load[@]}" --federation outbound --url "http://127.0.0.1:$port" \
        --users "${2:-5}" --rooms "${3:-1}" --seconds "${4:-30}" --warmup 10 "${processes[@]}"
    fi
    exit ;;
  single) mode=(--single) ;;
  local|persisters-1|persisters-4) mode=(--topology "deploy/topology/$shape.json") ;;
  *) echo "unknown shape $shape" >&2; exit 2 ;;
esac
rate=${2:?messages per second}
users=${3:-200}
rooms=${4:-50}
seconds=${5:-30}
start_server "$data" "$port" "${mode[@]}"
processes=(--pids-dir "$data/run")
# PostgreSQL's CPU (its backends) counts too: it is a share of the same two cores.
[ -f "$data/pg/postmaster.pid" ] && processes+=(--postgres-pid "$(postmaster "$data")")
if [ "$shape" = single ]; then
  processes=(--pid "$(single_pid "$port")" "${processes[@]:2}")
fi
# A fresh process spends its first minute under load compiling its hot code a second time (tiered
# JIT: perf showed the JIT threads of a fresh cluster taking 30 % of the machine 40 s in), which
# would be counted as the message path's cost: a discarded run at the same rate comes first.
prewarm=${PREWARM_SECONDS:-60}
if [ "$prewarm" -gt 0 ]; then
  "${load[@]}" --url "http://127.0.0.1:$port" --users "$users" --rooms "$rooms" --rate "$rate" \
    --seconds "$prewarm" --warmup 0 >/dev/null
fi
"${load[@]}" --url "http://127.0.0.1:$port" \
  --users "$users" --rooms "$rooms" --rate "$rate" --seconds "$seconds" --warmup 10 "${processes[@]}"
