#!/usr/bin/env bash
# with-postgres.sh <command> [args...]
#
# Runs <command> against a throwaway PostgreSQL 15 server: initdb in a fresh temporary directory,
# listening only on 127.0.0.1 on a free port (fsync on, trust authentication for the test user on
# loopback), one database created, DOKUEI_TEST_PG_CONNINFO exported. The server is stopped and the
# directory removed whatever happens. Exits with the command's status, or non-zero when PostgreSQL
# cannot be started (so a CI step that needs PostgreSQL fails instead of silently skipping).
#
# PostgreSQL refuses to run as root: when invoked as root, the server runs as the `postgres`
# system user (runuser) and the temporary directory is owned by it; the command itself runs as the
# caller. Environment: PG_BIN (default /usr/lib/postgresql/15/bin), DOKUEI_PG_KEEP_LOG=1 prints the
# server log on exit.
set -euo pipefail

if [[ $# -lt 1 ]]; then
  echo "usage: $0 <command> [args...]" >&2
  exit 2
fi

PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
for tool in initdb pg_ctl createdb pg_isready; do
  if [[ ! -x "$PG_BIN/$tool" ]]; then
    echo "with-postgres: $PG_BIN/$tool not found (install postgresql-15 or set PG_BIN)" >&2
    exit 1
  fi
done

tmp="$(mktemp -d "${TMPDIR:-/tmp}/dokuei-pg.XXXXXX")"
data="$tmp/data"
log="$tmp/server.log"
server_started=0

as_pg() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP
  if [[ $server_started -eq 1 ]]; then
    as_pg "$PG_BIN/pg_ctl" -D "$data" -m fast -w -t 30 stop >/dev/null 2>&1 ||
      as_pg "$PG_BIN/pg_ctl" -D "$data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
  fi
  if [[ "${DOKUEI_PG_KEEP_LOG:-0}" == 1 && -f "$log" ]]; then
    echo "---- postgres log ----" >&2
    cat "$log" >&2 || true
  fi
  rm -rf "$tmp"
  exit "$rc"
}
child=""
on_signal() {
  # Forward to the command (if running), let it finish, then clean up via the EXIT trap.
  if [[ -n "$child" ]]; then
    kill "-$1" "$child" 2>/dev/null || true
    wait "$child" 2>/dev/null || true
  fi
  exit "$2"
}
trap cleanup EXIT
trap 'on_signal INT 130' INT
trap 'on_signal TERM 143' TERM
trap 'on_signal HUP 129' HUP

if [[ $(id -u) -eq 0 ]]; then
  if ! id postgres >/dev/null 2>&1; then
    echo "with-postgres: running as root but there is no 'postgres' system user" >&2
    exit 1
  fi
  chown postgres: "$tmp"
fi
chmod 700 "$tmp"

user="dokuei"
if ! as_pg "$PG_BIN/initdb" -D "$data" -U "$user" --auth=trust -E UTF8 --no-locale \
    --no-instructions >"$tmp/initdb.log" 2>&1; then
  echo "with-postgres: initdb failed:" >&2
  cat "$tmp/initdb.log" >&2
  exit 1
fi

# A free port: ask the kernel for one through bash's /dev/tcp probe on a random candidate, and
# retry the server start on another port if someone took it in the meantime.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

port=""
for attempt in 1 2 3 4 5 6 7 8; do
  candidate=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
  if port_in_use "$candidate"; then continue; fi
  if as_pg "$PG_BIN/pg_ctl" -D "$data" -l "$log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $candidate -c unix_socket_directories=$tmp \
          -c fsync=on -c synchronous_commit=on -c max_connections=200" \
      start >/dev/null 2>&1; then
    port="$candidate"
    server_started=1
    break
  fi
  # pg_ctl may have left a half-started server behind; make sure it is gone before retrying.
  as_pg "$PG_BIN/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
done
if [[ -z "$port" ]]; then
  echo "with-postgres: could not start PostgreSQL; server log:" >&2
  cat "$log" >&2 2>/dev/null || true
  exit 1
fi

dbname="dokuei_test"
if ! "$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U "$user" "$dbname" >"$tmp/createdb.log" 2>&1; then
  echo "with-postgres: createdb failed:" >&2
  cat "$tmp/createdb.log" >&2
  exit 1
fi

export DOKUEI_TEST_PG_CONNINFO="host=127.0.0.1 port=$port user=$user dbname=$dbname"
# Tests that need PostgreSQL fail (instead of skipping) when this is set and they cannot connect.
export DOKUEI_TEST_PG_REQUIRED=1

# In the background so that a signal sent to this script is handled (and forwarded) at once
# instead of after the command ends.
set +e
"$@" <&0 &
child=$!
wait "$child"
rc=$?
child=""
set -e
exit "$rc"
