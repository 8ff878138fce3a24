#!/usr/bin/env bash
# pgbouncer-local.sh — PgBouncer in front of each shard's primary, as compose.yaml runs it
# (pgbouncer-shard0, pgbouncer-shard1): transaction pooling, so LOMS connects with LOMS_PG_PREPARE=false.
# LOMS's writes go through it; reads go straight to the replicas.
#
# Usage:
#   pgbouncer-local.sh start    # write each bouncer's config, start it (no-op when it runs), wait until it answers
#   pgbouncer-local.sh stop     # stop every bouncer; no-op when stopped
#   pgbouncer-local.sh status   # one line per bouncer; exit 3 when one is not running
#   pgbouncer-local.sh render [SHARD]  # print the config start writes for shard SHARD [0]
#   pgbouncer-local.sh urls     # print PGBOUNCER_SHARDi_URL=… (what LOMS_PG_PRIMARIES takes) and the admin console
#
# Environment knobs (defaults in brackets):
#   SHARDS [2]                 one bouncer per shard
#   PG_BASE_PORT [55432]       shard i's primary listens on PG_BASE_PORT+2i (scripts/pg-cluster.sh)
#   PGBOUNCER_PORT [6432]      shard i's bouncer listens on PGBOUNCER_PORT+i, on 127.0.0.1
#   DATA_DIR [<repo>/.run/pgbouncer]  shardI/: pgbouncer.ini, userlist.txt, pgbouncer.log, pgbouncer.pid
#   PG_OS_USER [postgres]      PgBouncer refuses to run as root: run as root, it runs as this user
#
# The configuration is deploy/pgbouncer/pgbouncer.ini, the file compose mounts, with only what differs
# on this machine replaced: the address (127.0.0.1 and the port above), the paths, and the [databases]
# line (this shard's primary on 127.0.0.1). PgBouncer before 1.20 (Debian 12 ships 1.18) does not know
# track_extra_parameters, with which compose's 1.26 applies the statement_timeout LOMS sends at
# startup; there the bouncer ignores that startup parameter and sets the same 10 s on each server
# connection it opens (connect_query), so every LOMS statement stays bounded either way.
set -euo pipefail

CMD="${1:-}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHARDS="${SHARDS:-2}"
PG_BASE_PORT="${PG_BASE_PORT:-55432}"
PORT0="${PGBOUNCER_PORT:-6432}"
DIR="$(realpath -m "${DATA_DIR:-$ROOT/.run/pgbouncer}")"
PG_OS_USER="${PG_OS_USER:-postgres}"
TEMPLATE="$ROOT/deploy/pgbouncer/pgbouncer.ini"
# the statement_timeout LOMS asks for (loms/src/adapters/postgres/connect.ts), for PgBouncer < 1.20
STATEMENT_TIMEOUT_MS=10000
say() { echo "[$(date +%H:%M:%S.%3N)] pgbouncer: $*"; }
die() { echo "pgbouncer-local.sh: $*" >&2; exit 1; }
for v in SHARDS PG_BASE_PORT PORT0; do [[ "${!v}" =~ ^[0-9]+$ ]] || die "$v must be a number, got '${!v}'"; done

port_of() { echo $((PORT0 + $1)); }
dir_of() { echo "$DIR/shard$1"; }
pid_alive() { # shard — its pid file names a live pgbouncer
  local f; f="$(dir_of "$1")/pgbouncer.pid"
  [[ -f "$f" ]] || return 1
  local pid; pid="$(cat "$f")"
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && grep -q pgbouncer "/proc/$pid/cmdline" 2>/dev/null
}
answers() { pg_isready -q -h 127.0.0.1 -p "$(port_of "$1")" -U postgres -d loms; }
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
as_owner() { if [[ "$(id -u)" == 0 ]]; then (cd / && runuser -u "$PG_OS_USER" -- "$@"); else "$@"; fi; }

render() { # shard — deploy/pgbouncer/pgbouncer.ini for this machine, on stdout
  local i=$1 d; d="$(dir_of "$1")"
  local version; version="$(pgbouncer --version | awk 'NR == 1 { print $2 }')"
  local extra_db="" compat=()
  if [[ "$(printf '%s\n' "$version" 1.20 | sort -V | head -1)" != 1.20 ]]; then
    compat=(-e '/^track_extra_parameters/d' -e 's/^ignore_startup_parameters = .*/&,statement_timeout/')
    extra_db=" connect_query='SET statement_timeout = $STATEMENT_TIMEOUT_MS'"
  fi
  echo ";; written by scripts/pgbouncer-local.sh from deploy/pgbouncer/pgbouncer.ini (PgBouncer $version): edit that file"
  sed -e "s/^listen_addr = .*/listen_addr = 127.0.0.1/" \
    -e "s/^listen_port = .*/listen_port = $(port_of "$i")/" \
    -e "s|^auth_file = .*|auth_file = $d/userlist.txt|" \
    -e "s|^%include .*|logfile = $d/pgbouncer.log\npidfile = $d/pgbouncer.pid\n\n[databases]\nloms = host=127.0.0.1 port=$((PG_BASE_PORT + 2 * i)) dbname=loms$extra_db|" \
    "${compat[@]}" "$TEMPLATE"
}

cmd_start() {
  command -v pgbouncer >/dev/null || die "pgbouncer is not installed: run scripts/ensure-pgbouncer.sh"
  command -v pg_isready >/dev/null || die "pg_isready is not installed: run scripts/ensure-postgres.sh"
  for ((i = 0; i < SHARDS; i++)); do
    local port d; port="$(port_of "$i")"; d="$(dir_of "$i")"
    if pid_alive "$i"; then say "shard$i already running on 127.0.0.1:$port (pid $(cat "$d/pgbouncer.pid"))"; continue; fi
    port_busy "$port" && die "127.0.0.1:$port is taken by another process (a system pgbouncer? 'service pgbouncer stop'), or set PGBOUNCER_PORT"
    mkdir -p "$d"
    render "$i" >"$d/pgbouncer.ini"
    cp "$ROOT/deploy/pgbouncer/userlist.txt" "$d/userlist.txt"
    rm -f "$d/pgbouncer.pid"
    if [[ "$(id -u)" == 0 ]]; then chown -R "$PG_OS_USER" "$d"; chmod 700 "$d"; fi
    as_owner pgbouncer -d -q "$d/pgbouncer.ini" || { tail -20 "$d/pgbouncer.log" >&2 || true; die "shard$i: pgbouncer did not start"; }
    local k
    for ((k = 0; k < 200; k++)); do answers "$i" && break; sleep 0.05; done
    answers "$i" || { tail -20 "$d/pgbouncer.log" >&2 || true; die "shard$i: pgbouncer did not answer on 127.0.0.1:$port within 10 s"; }
    say "shard$i started on 127.0.0.1:$port -> primary 127.0.0.1:$((PG_BASE_PORT + 2 * i)) (pid $(cat "$d/pgbouncer.pid"), transaction pooling)"
  done
}

cmd_stop() {
  for ((i = 0; i < SHARDS; i++)); do
    local f; f="$(dir_of "$i")/pgbouncer.pid"
    if ! pid_alive "$i"; then rm -f "$f"; continue; fi
    local pid; pid="$(cat "$f")"
    kill -TERM "$pid" # immediate shutdown: the clients (LOMS) are stopped before the bouncers
    local k
    for ((k = 0; k < 200; k++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -0 "$pid" 2>/dev/null && die "shard$i: pgbouncer (pid $pid) still running 10 s after SIGTERM"
    rm -f "$f"
    say "shard$i stopped (pid $pid)"
  done
}

cmd_status() {
  local rc=0
  for ((i = 0; i < SHARDS; i++)); do
    if pid_alive "$i" && answers "$i"; then
      echo "pgbouncer shard$i  127.0.0.1:$(port_of "$i")  running (pid $(cat "$(dir_of "$i")/pgbouncer.pid")) -> primary 127.0.0.1:$((PG_BASE_PORT + 2 * i))"
    else
      echo "pgbouncer shard$i  127.0.0.1:$(port_of "$i")  STOPPED"; rc=3
    fi
  done
  return $rc
}

cmd_urls() {
  for ((i = 0; i < SHARDS; i++)); do
    echo "PGBOUNCER_SHARD${i}_URL=postgres://postgres:postgres@127.0.0.1:$(port_of "$i")/loms" \
      "(admin console: psql postgres://postgres:postgres@127.0.0.1:$(port_of "$i")/pgbouncer -c 'SHOW CLIENTS')"
  done
}

case "$CMD" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  urls) cmd_urls ;;
  render) render "${2:-0}" ;;
  *) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 2 ;;
esac
