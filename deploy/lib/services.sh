# Private PostgreSQL and Redis on loopback, for ./deploy/test and ./deploy/run.
# Sourced, not executed. Everything lives under one folder; nothing touches system
# services. PostgreSQL refuses to run as root, so as root its tools run as the
# 'postgres' user that the Debian package creates.

services_log() { printf '[services] %s\n' "$*" >&2; }

# Installs postgresql and redis-server from Debian packages when they are missing.
services_ensure_packages() {
  local need=()
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
  command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
  command -v psql >/dev/null 2>&1 || need+=(postgresql-client)
  [ ${#need[@]} -eq 0 ] && return 0
  services_log "installing ${need[*]} from Debian packages"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
}

# Node.js 20+ and npm for the end-to-end client tests: the machine's own when present, else
# the Debian packages (Debian 12 ships Node 18, on which the pinned client may not run; say so).
services_ensure_node() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    services_log "installing nodejs and npm"
    local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
  fi
  local major; major=$(node -p 'process.versions.node.split(".")[0]')
  [ "$major" -ge 20 ] || services_log "warning: Node $major found; matrix-js-sdk 37 wants Node 20 or newer"
}

# The newest installed PostgreSQL server's bin folder, found rather than assumed.
services_pg_bindir() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

# Runs a command as the postgres user when we are root, as ourselves otherwise.
services_as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

services_port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Prints a free loopback port at or after $1.
services_free_port() {
  local p=$1
  while ! services_port_free "$p"; do p=$((p + 1)); done
  echo "$p"
}

# services_start_pg DIR PORT [fast]  -> starts a cluster in DIR/pg listening on 127.0.0.1:PORT
# with a database 'matrix'. 'fast' turns off durability (tests only).
services_start_pg() {
  local dir=$1 port=$2 mode=${3:-}
  local bin; bin=$(services_pg_bindir)
  [ -n "$bin" ] || { services_log "no PostgreSQL server found"; return 1; }
  mkdir -p "$dir"
  chmod 755 "$dir"
  if [ ! -f "$dir/pg/PG_VERSION" ]; then
    mkdir -p "$dir/pg"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir/pg"
    chmod 700 "$dir/pg"
    services_as_pg "$bin/initdb" -D "$dir/pg" -U postgres --auth=trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; return 1; }
  fi
  local opts="-c listen_addresses=127.0.0.1 -p $port -k $dir/pg -c max_connections=200"
  [ "$mode" = fast ] && opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  touch "$dir/pg.log"; [ "$(id -u)" -eq 0 ] && chown postgres: "$dir/pg.log"
  local logged; logged=$(wc -l <"$dir/pg.log")
  if ! services_as_pg "$bin/pg_ctl" -D "$dir/pg" -o "$opts" -l "$dir/pg.log" -w -t 60 start >/dev/null; then
    # Exit status 2: the port was taken (for services_start_pg_on_free_port to try another).
    if [ -n "${SERVICES_QUIET_PORT_CLASH:-}" ] && tail -n +"$((logged + 1))" "$dir/pg.log" | grep -q "could not create any TCP/IP sockets"; then
      return 2
    fi
    cat "$dir/pg.log" >&2
    return 1
  fi
  if ! psql -h 127.0.0.1 -p "$port" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='matrix'" | grep -q 1; then
    psql -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE DATABASE matrix" >/dev/null
  fi
  echo "$port" >"$dir/pg.port"
}

# services_start_pg_on_free_port DIR FIRST_PORT [fast] -> like services_start_pg on the first free
# port from FIRST_PORT; the port is in DIR/pg.port. Another script starting its own PostgreSQL at
# the same moment can take the port between the check and the bind: then the next port is tried.
services_start_pg_on_free_port() {
  local dir=$1 port=$2 mode=${3:-} attempt
  for attempt in 1 2 3 4 5; do
    port=$(services_free_port "$port")
    SERVICES_QUIET_PORT_CLASH=1 services_start_pg "$dir" "$port" "$mode" && return 0
    [ "$?" -eq 2 ] || return 1
    services_log "port $port was taken meanwhile; trying the next"
    port=$((port + 1))
  done
  return 1
}

services_stop_pg() {
  local dir=$1
  [ -f "$dir/pg/postmaster.pid" ] || return 0
  services_as_pg "$(services_pg_bindir)/pg_ctl" -D "$dir/pg" -m fast -w stop >/dev/null 2>&1 || true
}

# services_start_redis DIR PORT -> a Redis on 127.0.0.1:PORT with no persistence.
services_start_redis() {
  local dir=$1 port=$2
  mkdir -p "$dir/redis"
  local logged=0; [ -f "$dir/redis/redis.log" ] && logged=$(wc -l <"$dir/redis/redis.log")
  redis-server --port "$port" --bind 127.0.0.1 --dir "$dir/redis" --daemonize yes \
    --pidfile "$dir/redis/redis.pid" --logfile "$dir/redis/redis.log" --save "" --appendonly no >/dev/null
  local i
  for i in $(seq 1 100); do
    redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG && { echo "$port" >"$dir/redis.port"; return 0; }
    if [ -n "${SERVICES_QUIET_PORT_CLASH:-}" ] && tail -n +"$((logged + 1))" "$dir/redis/redis.log" 2>/dev/null | grep -q "Address already in use"; then
      return 2
    fi
    sleep 0.1
  done
  services_log "redis did not answer on port $port"; cat "$dir/redis/redis.log" >&2
  return 1
}

# services_start_redis_on_free_port DIR FIRST_PORT -> like services_start_redis on the first free
# port from FIRST_PORT (in DIR/redis.port), trying the next when another took it meanwhile.
services_start_redis_on_free_port() {
  local dir=$1 port=$2 attempt
  for attempt in 1 2 3 4 5; do
    port=$(services_free_port "$port")
    SERVICES_QUIET_PORT_CLASH=1 services_start_redis "$dir" "$port" && return 0
    [ "$?" -eq 2 ] || return 1
    services_log "port $port was taken meanwhile; trying the next"
    port=$((port + 1))
  done
  return 1
}

services_stop_redis() {
  local dir=$1
  [ -f "$dir/redis.port" ] || return 0
  redis-cli -h 127.0.0.1 -p "$(cat "$dir/redis.port")" shutdown nosave >/dev/null 2>&1 || true
  rm -f "$dir/redis.port"
}
