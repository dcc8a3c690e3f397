# Starting and stopping a local worker cluster from a topology file, for ./deploy/run.
# Sourced, not executed. Every process writes DATA/logs/<instance>.log and DATA/run/<instance>.pid.

cluster_log() { printf '[cluster] %s\n' "$*" >&2; }

# cluster_render TEMPLATE PORT DATA -> DATA/topology.json: the template with every loopback port
# shifted so that the router listens on PORT, and the cluster secret in DATA/cluster.secret
# (made once, kept private).
cluster_render() {
  local template=$1 port=$2 data=$3
  if [ ! -s "$data/cluster.secret" ]; then
    (umask 077; head -c 48 /dev/urandom | base64 | tr -d '\n/+=' >"$data/cluster.secret")
  fi
  local router_port
  router_port=$(awk 'match($0, /"router"[^}]*"listen": *"127\.0\.0\.1:[0-9]+"/) { s = substr($0, RSTART, RLENGTH); sub(/.*:/, "", s); sub(/"$/, "", s); print s }' "$template")
  [ -n "$router_port" ] || { cluster_log "$template: no router listen address on 127.0.0.1"; return 1; }
  local offset=$((port - router_port))
  awk -v offset="$offset" '{
      out = ""
      while (match($0, /127\.0\.0\.1:[0-9]+/)) {
        p = substr($0, RSTART + 10, RLENGTH - 10) + offset
        out = out substr($0, 1, RSTART - 1) "127.0.0.1:" p
        $0 = substr($0, RSTART + RLENGTH)
      }
      print out $0
    }' "$template" >"$data/topology.json"
}

# cluster_start_process NAME DATA COMMAND... -> started in the background, pid recorded.
cluster_start_process() {
  local name=$1 data=$2; shift 2
  "$@" >"$data/logs/$name.log" 2>&1 &
  echo $! >"$data/run/$name.pid"
}

# cluster_wait_http URL SECONDS [DATA] -> 0 once URL answers 200, 1 after SECONDS; with DATA,
# 3 as soon as a process of DATA/run has exited (its name in DATA/run/exited), since then
# waiting longer cannot help.
cluster_wait_http() {
  local url=$1 deadline=$((SECONDS + $2)) data=${3:-} exited
  while [ "$SECONDS" -lt "$deadline" ]; do
    curl -fsS -o /dev/null -m 2 "$url" 2>/dev/null && return 0
    if [ -n "$data" ] && exited=$(cluster_first_exited "$data"); then
      echo "$exited" >"$data/run/exited"
      return 3
    fi
    sleep 0.2
  done
  return 1
}

# cluster_first_exited DATA -> prints the name of a process of DATA/run that is no longer running.
# Builtins only: deploy/run calls it every second for as long as the cluster runs, and forking a
# `cat` per process there cost 4 % of a 2-core machine (perf, session 9).
cluster_first_exited() {
  local pidfile pid name
  for pidfile in "$1"/run/*.pid; do
    [ -f "$pidfile" ] || continue
    read -r pid <"$pidfile" || true
    if ! kill -0 "$pid" 2>/dev/null; then
      name=${pidfile##*/}
      echo "${name%.pid}"
      return 0
    fi
  done
  return 1
}

# cluster_stop DATA -> stops every process with a pid file (TERM, then KILL after 15 s).
cluster_stop() {
  local data=$1 pidfile pid i
  [ -d "$data/run" ] || return 0
  for pidfile in "$data"/run/*.pid; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    kill -TERM "$pid" 2>/dev/null || true
  done
  for i in $(seq 1 75); do
    local alive=0
    for pidfile in "$data"/run/*.pid; do
      [ -f "$pidfile" ] || continue
      kill -0 "$(cat "$pidfile")" 2>/dev/null && alive=1
    done
    [ "$alive" -eq 0 ] && break
    sleep 0.2
  done
  for pidfile in "$data"/run/*.pid; do
    [ -f "$pidfile" ] || continue
    kill -KILL "$(cat "$pidfile")" 2>/dev/null || true
    rm -f "$pidfile"
  done
}
