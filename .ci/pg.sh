#!/usr/bin/env bash
# Throwaway PostgreSQL 15 for tests (recipe: shared/STACK.md §3). Run as root.
#
# Two ways to use it:
#   source .ci/pg.sh; mang_pg_start; ...; mang_pg_stop
#       mang_pg_start exports MANG_TEST_PG_URL=postgres://postgres@127.0.0.1:$PORT/mang_test
#       (plus MANG_PG_PORT, MANG_PG_DATA, MANG_PG_BIN); the caller owns the trap.
#   bash .ci/pg.sh [COMMAND ARGS...]
#       starts the server, runs COMMAND with MANG_TEST_PG_URL set (default: a query
#       that prints the server version), then stops it and removes its data directory.
#       e.g. bash .ci/pg.sh env MANG_TEST_BACKEND=postgres cargo nextest run --workspace
#
# Data lives in a fresh `mktemp -d` owned by postgres; fsync and friends are off (test data
# only); the server listens on 127.0.0.1 only, at the first free port from
# ${MANG_PG_PORT_BASE:-55432} upwards, with its Unix socket inside the data directory.

mang_pg_bin() {
  if [[ -x /usr/lib/postgresql/15/bin/initdb ]]; then
    echo /usr/lib/postgresql/15/bin
  else
    local d
    d=$(printf '%s\n' /usr/lib/postgresql/*/bin | grep -v '\*' | sort -V | tail -1)
    [[ -n $d ]] || { echo "pg.sh: no PostgreSQL server found under /usr/lib/postgresql (apt-get install postgresql-15)" >&2; return 1; }
    echo "$d"
  fi
}

# True if something already accepts TCP connections on 127.0.0.1:$1.
mang_pg_port_busy() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

mang_pg_start() {
  MANG_PG_BIN=$(mang_pg_bin) || return 1
  MANG_PG_DATA=$(mktemp -d -t mang-pg.XXXXXX)
  chown postgres:postgres "$MANG_PG_DATA"
  if ! runuser -u postgres -- "$MANG_PG_BIN/initdb" -D "$MANG_PG_DATA/db" -U postgres \
       -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$MANG_PG_DATA/initdb.log" 2>&1; then
    echo "pg.sh: initdb failed:" >&2; cat "$MANG_PG_DATA/initdb.log" >&2
    return 1
  fi
  local base=${MANG_PG_PORT_BASE:-55432} port tries=0
  for ((port = base; port < base + 100; port++)); do
    mang_pg_port_busy "$port" && continue
    tries=$((tries + 1))
    if runuser -u postgres -- "$MANG_PG_BIN/pg_ctl" -D "$MANG_PG_DATA/db" -l "$MANG_PG_DATA/log" -w -t 60 \
         -o "-p $port -k $MANG_PG_DATA -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
         start >/dev/null; then
      MANG_PG_PORT=$port
      break
    fi
    # Lost a race for the port (or something else is wrong): show why, try the next one.
    echo "pg.sh: start on port $port failed:" >&2; tail -5 "$MANG_PG_DATA/log" >&2 || true
    ((tries < 3)) || { echo "pg.sh: giving up after $tries attempts" >&2; return 1; }
  done
  [[ -n ${MANG_PG_PORT:-} ]] || { echo "pg.sh: no free port in $base..$((base + 99))" >&2; return 1; }
  "$MANG_PG_BIN/psql" -h 127.0.0.1 -p "$MANG_PG_PORT" -U postgres -d postgres -X -q -v ON_ERROR_STOP=1 \
    -c 'CREATE DATABASE mang_test' || return 1
  export MANG_PG_BIN MANG_PG_DATA MANG_PG_PORT
  export MANG_TEST_PG_URL="postgres://postgres@127.0.0.1:$MANG_PG_PORT/mang_test"
  echo "PostgreSQL $("$MANG_PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$MANG_PG_PORT (data $MANG_PG_DATA)"
}

# Idempotent; safe to call from an EXIT trap whether or not the start succeeded.
mang_pg_stop() {
  if [[ -n ${MANG_PG_DATA:-} && -d ${MANG_PG_DATA} ]]; then
    if [[ -f $MANG_PG_DATA/db/postmaster.pid ]]; then
      runuser -u postgres -- "$MANG_PG_BIN/pg_ctl" -D "$MANG_PG_DATA/db" -m fast -w -t 30 stop >/dev/null 2>&1 \
        || runuser -u postgres -- "$MANG_PG_BIN/pg_ctl" -D "$MANG_PG_DATA/db" -m immediate -w stop >/dev/null 2>&1 \
        || true
    fi
    rm -rf "$MANG_PG_DATA"
  fi
  unset MANG_PG_DATA MANG_PG_PORT MANG_TEST_PG_URL
}

# Executed (not sourced): start, run the command, stop.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  set -euo pipefail
  trap mang_pg_stop EXIT
  mang_pg_start
  if (($# == 0)); then
    "$MANG_PG_BIN/psql" "$MANG_TEST_PG_URL" -X -A -t -c 'SELECT version()'
  else
    "$@"
  fi
fi
