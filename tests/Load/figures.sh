#!/usr/bin/env bash
# The cluster figures of BENCHMARKS.md: starts a homeserver with ./deploy/run on a fresh private
# PostgreSQL and Redis (its own data folder), drives it with the load tool through its one URL,
# prints the tool's report (latencies, messages/s, per-process RSS and CPU), and stops it.
#
#   tests/Load/figures.sh single|persisters-1|local|persisters-4 RATE [USERS ROOMS SECONDS]
#
# Run on a quiet machine, one at a time (the cluster topologies share their ports).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
shape=${1:?single, persisters-1, local or persisters-4}
rate=${2:?messages per second}
users=${3:-200}
rooms=${4:-50}
seconds=${5:-30}
port=18408
data=$(mktemp -d /tmp/figures.XXXXXX)
# The processes' logs are kept in /tmp/figures-logs (the last run's).
trap './deploy/run stop --data "$data" >/dev/null 2>&1 || true; rm -rf /tmp/figures-logs; cp -r "$data/logs" /tmp/figures-logs 2>/dev/null; rm -rf "$data"' EXIT

case "$shape" in
  single) mode=(--single) ;;
  local|persisters-1|persisters-4) mode=(--topology "deploy/topology/$shape.json") ;;
  *) echo "unknown shape $shape" >&2; exit 2 ;;
esac
dotnet build tests/Load -c Release -v q -nologo >/dev/null
# Every user registers from this one address.
env -u Cluster__Postgres -u Cluster__Redis Cluster__RateLimits__Registration__Burst=100000 \
  ./deploy/run "${mode[@]}" --port "$port" --data "$data" >"$data/run.out" 2>&1 &
for _ in $(seq 1 300); do
  grep -q "homeserver .* on" "$data/run.out" && break
  if grep -q "exited\|not healthy\|did not answer" "$data/run.out"; then cat "$data/run.out" >&2; exit 1; fi
  sleep 1
done
curl -fsS -o /dev/null "http://127.0.0.1:$port/_matrix/client/versions"
processes=(--pids-dir "$data/run")
# PostgreSQL's CPU (its backends) counts too: it is a share of the same two cores.
[ -f "$data/pg/postmaster.pid" ] && processes+=(--postgres-pid "$(head -1 "$data/pg/postmaster.pid")")
if [ "$shape" = single ]; then
  processes=(--pid "$(pgrep -f "Cluster.Main.dll --port $port")" "${processes[@]:2}")
fi
dotnet tests/Load/bin/Release/net10.0/Cluster.Load.dll --url "http://127.0.0.1:$port" \
  --users "$users" --rooms "$rooms" --rate "$rate" --seconds "$seconds" --warmup 10 "${processes[@]}"
