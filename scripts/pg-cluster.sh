#!/usr/bin/env bash
# pg-cluster.sh — local, Docker-free sharded PostgreSQL for LOMS (`just infra`, integration tests).
#
# Creates N shards (default 2) under DATA_DIR, each one primary + one streaming-replication hot
# standby (pg_basebackup -R, physical replication slot), synchronous by default: a commit on a
# primary returns only once its replica has applied it, so reads on the replica see your writes.
# Everything listens on 127.0.0.1 only; the unix socket lives in DATA_DIR/run (mode 0700).
#
# Usage:
#   pg-cluster.sh up         DATA_DIR   # init (if needed) + start all + wait ready + verify; no-op when up
#   pg-cluster.sh start      DATA_DIR   # start an existing cluster (never initializes), wait ready
#   pg-cluster.sh verify     DATA_DIR   # write on each primary, read it back on its replica at once
#   pg-cluster.sh status     DATA_DIR   # per node: running / role / replication; exit 3 when not all up
#   pg-cluster.sh stop       DATA_DIR   # shut every node down (primaries first); no-op when stopped
#   pg-cluster.sh destroy    DATA_DIR   # stop + rm -rf DATA_DIR (only a pg-cluster.sh data dir)
#   pg-cluster.sh urls       DATA_DIR   # print SHARDi_PRIMARY_URL=… / SHARDi_REPLICA_URL=… lines
#   pg-cluster.sh node-stop  DATA_DIR SHARD primary|replica [MODE]   # one node (failover tests)
#   pg-cluster.sh node-start DATA_DIR SHARD primary|replica           # one node; replica: waits streaming
#
# Environment knobs (defaults in brackets). SHARDS, BASE_PORT, DB_NAME and AUTH are fixed when the
# cluster is created (saved in DATA_DIR/cluster.env, later commands read them from there); SYNC
# and FAST are applied again by every up/start (reload, no restart).
#   SHARDS [2]            number of shards
#   BASE_PORT [55432]     shard i primary = BASE_PORT+2i, replica = BASE_PORT+2i+1
#   SYNC [1]              1 = synchronous replication (synchronous_standby_names=FIRST 1 (replica),
#                         synchronous_commit=remote_apply => commit returns only once visible on the
#                         replica). NOTE: writes on a primary block while its replica is down.
#   FAST [0]              1 = fsync/full_page_writes off (and synchronous_commit off when SYNC=0):
#                         throwaway test clusters only; a crash of the machine can corrupt the data
#   AUTH [trust]          trust | scram   (TCP 127.0.0.1/32 only; scram uses PGPASSWORD/REPL_PASSWORD)
#   PGPASSWORD [postgres] superuser "postgres" password when AUTH=scram
#   REPL_PASSWORD [repl]  password of role "replicator" when AUTH=scram
#   DB_NAME [loms]        database created on each primary (replicated to the replica)
#   STOP_MODE [fast]      pg_ctl stop mode of stop/destroy/node-stop (smart | fast | immediate)
#   PG_OS_USER [postgres] non-root OS user that owns/runs the servers when invoked as root
#   PGBIN [/usr/lib/postgresql/15/bin, else the newest /usr/lib/postgresql/*/bin]
#
# Permissions: PostgreSQL refuses to run as root. Run as root, the script creates DATA_DIR, chowns
# it (that directory only) to PG_OS_USER with mode 0700, and re-runs itself as that user (runuser;
# it hands over its own text, so the repository itself need not be readable by PG_OS_USER). Every
# parent of DATA_DIR must be traversable (x) by PG_OS_USER: when one is not, the script stops and
# names it. It never chmods a parent itself: opening a directory to others is the owner's call
# (`chmod o+x DIR`), or pick a data dir PG_OS_USER can reach. Run as any other user, the script runs
# the servers as that user.
set -euo pipefail

CMD="${1:-}"; DATA="${2:-}"
if [[ -z "$CMD" || -z "$DATA" ]]; then
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]:-$0}" 2>/dev/null \
    || echo "usage: pg-cluster.sh COMMAND DATA_DIR"
  exit 2
fi
shift 2
DATA="$(realpath -m "$DATA")"
die() { echo "pg-cluster.sh: $*" >&2; exit 1; }
[[ "$DATA" != / ]] || die "refusing to use / as the data dir"

# ---- knobs: fixed ones come from DATA/cluster.env once the cluster exists ---------------------------
FIXED=(SHARDS BASE_PORT DB_NAME AUTH)
declare -A DEFAULT=([SHARDS]=2 [BASE_PORT]=55432 [DB_NAME]=loms [AUTH]=trust)
if [[ -f "$DATA/cluster.env" ]]; then
  declare -A SAVED=()
  while IFS='=' read -r k v; do
    case "$k" in SHARDS | BASE_PORT | DB_NAME | AUTH) SAVED[$k]=$v ;; esac
  done < "$DATA/cluster.env"
  for k in "${FIXED[@]}"; do
    [[ -n "${SAVED[$k]:-}" ]] || die "$DATA/cluster.env has no $k"
    if [[ -n "${!k:-}" && "${!k}" != "${SAVED[$k]}" ]]; then
      die "the cluster in $DATA was created with $k=${SAVED[$k]} (you asked for $k=${!k}): unset $k, or destroy it first"
    fi
    printf -v "$k" '%s' "${SAVED[$k]}"
  done
else
  for k in "${FIXED[@]}"; do [[ -n "${!k:-}" ]] || printf -v "$k" '%s' "${DEFAULT[$k]}"; done
fi
SYNC="${SYNC:-1}"
FAST="${FAST:-0}"
STOP_MODE="${STOP_MODE:-fast}"
PG_OS_USER="${PG_OS_USER:-postgres}"
export PGPASSWORD="${PGPASSWORD:-postgres}"
REPL_PASSWORD="${REPL_PASSWORD:-repl}"
if [[ -z "${PGBIN:-}" ]]; then
  if [[ -x /usr/lib/postgresql/15/bin/postgres ]]; then PGBIN=/usr/lib/postgresql/15/bin
  else PGBIN="$(compgen -G '/usr/lib/postgresql/*/bin' | sort -V | tail -1 || true)"; fi
fi
[[ "$SHARDS" =~ ^[1-9][0-9]?$ ]] || die "SHARDS must be 1..99, got '$SHARDS'"
[[ "$BASE_PORT" =~ ^[1-9][0-9]{0,4}$ ]] && ((BASE_PORT >= 1024 && BASE_PORT + 2 * SHARDS - 1 <= 65535)) \
  || die "BASE_PORT must leave room for $((2 * SHARDS)) ports in 1024..65535, got '$BASE_PORT'"
[[ "$DB_NAME" =~ ^[a-z_][a-z0-9_]*$ ]] || die "DB_NAME must be a plain lower-case identifier, got '$DB_NAME'"
[[ "$AUTH" == trust || "$AUTH" == scram ]] || die "AUTH must be trust or scram, got '$AUTH'"
[[ "$SYNC" == 0 || "$SYNC" == 1 ]] || die "SYNC must be 0 or 1"
[[ "$FAST" == 0 || "$FAST" == 1 ]] || die "FAST must be 0 or 1"
[[ "$STOP_MODE" =~ ^(smart|fast|immediate)$ ]] || die "STOP_MODE must be smart, fast or immediate"

needs_binaries() { [[ "$CMD" =~ ^(up|start|verify|node-start)$ ]]; }
if needs_binaries && [[ ! -x "${PGBIN:-}/postgres" ]]; then
  die "PostgreSQL server binaries not found (${PGBIN:-/usr/lib/postgresql/*/bin}): run scripts/ensure-postgres.sh (Debian package postgresql-15), or set PGBIN"
fi

# a pg-cluster.sh data dir: cluster.env inside, or nothing at all (a fresh mktemp -d, say)
is_ours_or_empty() { [[ ! -e "$DATA" || -f "$DATA/cluster.env" || -z "$(ls -A "$DATA" 2>/dev/null)" ]]; }

no_cluster() { # the answer of every command but up/destroy when DATA holds no cluster
  case "$CMD" in
    stop) echo "no cluster in $DATA: nothing to stop"; exit 0 ;;
    status) echo "postgres: no cluster in $DATA (run 'up')"; exit 3 ;;
    *) die "no cluster in $DATA; use 'up'" ;;
  esac
}

# ---- never run the server as root: re-run as PG_OS_USER ------------------------------------------
if [[ "$(id -u)" == 0 ]]; then
  id "$PG_OS_USER" >/dev/null 2>&1 || die "OS user '$PG_OS_USER' does not exist (the postgresql-15 package creates 'postgres'; run scripts/ensure-postgres.sh)"
  [[ "$(id -u "$PG_OS_USER")" != 0 ]] || die "PG_OS_USER must not be root"
  SELF_TEXT="$(cat "${BASH_SOURCE[0]}")"
  as_owner() { # command… — this script, run as PG_OS_USER with the resolved knobs
    local env=(HOME="$(getent passwd "$PG_OS_USER" | cut -d: -f6)" PATH="$PATH" LANG=C.UTF-8
      PGBIN="$PGBIN" SYNC="$SYNC" FAST="$FAST" STOP_MODE="$STOP_MODE" PG_OS_USER="$PG_OS_USER"
      PGPASSWORD="$PGPASSWORD" REPL_PASSWORD="$REPL_PASSWORD")
    for k in "${FIXED[@]}"; do env+=("$k=${!k}"); done
    (cd / && runuser -u "$PG_OS_USER" -- env -i "${env[@]}" bash -c "$SELF_TEXT" pg-cluster.sh "$@")
  }
  reachable_or_die() { # dir — PG_OS_USER must be able to reach it and write in it
    runuser -u "$PG_OS_USER" -- test -x "$1" -a -w "$1" && return 0
    local d="" part blocked="$1"
    IFS=/ read -ra parts <<< "${1#/}"
    for part in "${parts[@]}"; do   # top-down: the first directory PG_OS_USER cannot enter
      d="$d/$part"
      runuser -u "$PG_OS_USER" -- test -x "$d" || { blocked="$d"; break; }
    done
    {
      echo "pg-cluster.sh: OS user '$PG_OS_USER' cannot reach the data dir $1:"
      echo "  $blocked ($(stat -c '%A %U:%G' "$blocked")) is not traversable (x) by '$PG_OS_USER'."
      echo "  PostgreSQL never runs as root, so '$PG_OS_USER' needs the x bit on every parent of the"
      echo "  data dir. Either let others traverse (not list) it: chmod o+x $blocked (and any parent"
      echo "  below it that is closed too), or pick a data dir '$PG_OS_USER' can reach (e.g. under /var/tmp)."
    } >&2
    exit 1
  }
  case "$CMD" in
    up | start | node-start)
      [[ "$CMD" == up ]] || [[ -f "$DATA/cluster.env" ]] || die "no cluster in $DATA; use 'up'"
      is_ours_or_empty || die "$DATA exists, is not empty and holds no pg-cluster.sh cluster (no cluster.env): refusing to use it"
      made="$DATA"; while [[ ! -e "$(dirname "$made")" ]]; do made="$(dirname "$made")"; done
      [[ -e "$made" ]] && made=""   # the directories mkdir creates now, removed again on failure
      mkdir -p "$DATA"
      chown "$PG_OS_USER": "$DATA"; chmod 0700 "$DATA"
      if ! (reachable_or_die "$DATA"); then [[ -n "$made" ]] && rm -r "$made"; exit 1; fi
      as_owner "$CMD" "$DATA" "$@"; exit $? ;;
    destroy)
      is_ours_or_empty || die "$DATA holds no pg-cluster.sh cluster (no cluster.env): refusing to remove it"
      if [[ -f "$DATA/cluster.env" ]]; then STOP_MODE="$STOP_MODE" as_owner stop "$DATA"; fi
      rm -rf "$DATA"; echo "removed $DATA"; exit 0 ;;
    *)
      [[ -f "$DATA/cluster.env" ]] || no_cluster
      as_owner "$CMD" "$DATA" "$@"; exit $? ;;
  esac
fi

# ---- from here on: running as the owner of the servers ----------------------------------------
[[ "$CMD" =~ ^(up|start|destroy)$ || -f "$DATA/cluster.env" ]] || no_cluster
RUN="$DATA/run"; LOG="$DATA/log"
pport() { echo $((BASE_PORT + 2 * $1)); }
rport() { echo $((BASE_PORT + 2 * $1 + 1)); }
ndir()  { echo "$DATA/shard$1/$2"; }                      # shard role
nport() { if [[ "$2" == primary ]]; then pport "$1"; else rport "$1"; fi; }
ts()    { date +%H:%M:%S.%3N; }
say()   { echo "[$(ts)] $*"; }
# admin connections go through the private unix socket (trust, only the owner can reach it)
q()     { PGOPTIONS="-c client_min_messages=warning" "$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$RUN" -p "$1" -U postgres -d "${3:-postgres}" -c "$2"; }
isup()  { [[ -f "$1/PG_VERSION" ]] && "$PGBIN/pg_ctl" -D "$1" status >/dev/null 2>&1; }
inited() { [[ -f "$1/PG_VERSION" ]]; }
hba_method() { [[ "$AUTH" == scram ]] && echo scram-sha-256 || echo trust; }

node_conf() { # shard role sync(0|1) — the settings that follow the knobs, regenerated by up/start
  local i=$1 role=$2 sync=$3
  echo "# generated by pg-cluster.sh on every up/start from its knobs: edits here are overwritten"
  echo "port = $(nport "$i" "$role")"
  echo "cluster_name = 'shard${i}_$role'          # also the walreceiver application_name"
  if [[ "$FAST" == 1 ]]; then
    printf "fsync = off                               # FAST=1: throwaway cluster\nfull_page_writes = off\n"
  else
    printf "fsync = on\nfull_page_writes = on\n"
  fi
  if [[ "$role" == primary ]]; then
    if [[ "$sync" == 1 ]]; then
      echo "synchronous_standby_names = 'FIRST 1 (shard${i}_replica)'"
      echo "synchronous_commit = remote_apply"
    elif [[ "$FAST" == 1 ]]; then
      echo "synchronous_commit = off"
    fi
  fi
}

put_node_conf() { # shard role sync — writes node.conf; reloads a running node; status 0 = changed
  local dir; dir=$(ndir "$1" "$2")
  local want; want=$(node_conf "$@")
  [[ -f "$dir/node.conf" && "$(cat "$dir/node.conf")" == "$want" ]] && return 1
  printf '%s\n' "$want" > "$dir/node.conf"
  if isup "$dir"; then "$PGBIN/pg_ctl" -D "$dir" -s reload; say "shard$1: $2 reconfigured (SYNC=$3 FAST=$FAST)"; fi
  return 0
}

init_primary() { # shard
  local i=$1 dir; dir=$(ndir "$1" primary)
  inited "$dir" && return 0
  say "shard$i: initdb primary -> $dir"
  rm -rf "$dir"; mkdir -p "$dir"; chmod 0700 "$dir"
  local pwf; pwf=$(mktemp); echo "$PGPASSWORD" > "$pwf"
  "$PGBIN/initdb" -D "$dir" -U postgres --pwfile="$pwf" -E UTF8 --locale=C.UTF-8 \
      --auth-local=trust --auth-host="$(hba_method)" >"$LOG/initdb-shard$i.log" 2>&1 \
    || { rm -f "$pwf"; cat "$LOG/initdb-shard$i.log"; return 1; }
  rm -f "$pwf"
  local m; m=$(hba_method)
  cat > "$dir/pg_hba.conf" <<EOF
# generated by pg-cluster.sh: unix socket (private dir, 0700) trusted; TCP on 127.0.0.1 only
local   all          all                        trust
host    all          all          127.0.0.1/32  $m
host    replication  replicator   127.0.0.1/32  $m
EOF
  cat >> "$dir/postgresql.conf" <<EOF

# ---- pg-cluster.sh common settings (copied to the replica by pg_basebackup) ----
listen_addresses = '127.0.0.1'
unix_socket_directories = '$RUN'
unix_socket_permissions = 0700
wal_level = replica
max_wal_senders = 10
max_replication_slots = 10
hot_standby = on
hot_standby_feedback = on
wal_keep_size = '64MB'
max_connections = 100
shared_buffers = '64MB'
logging_collector = off
log_line_prefix = '%m [%p] %q%a '
password_encryption = 'scram-sha-256'
include_if_exists = 'node.conf'
EOF
  # synchronous replication is switched on only once the replica streams (see up_shard), otherwise
  # the bootstrap commits (CREATE ROLE/DATABASE) would wait forever for a standby that does not exist
  put_node_conf "$i" primary 0 || true
}

start_node() { # shard role
  local dir name; dir=$(ndir "$1" "$2"); name="shard$1_$2"
  if isup "$dir"; then return 0; fi
  say "$name: starting on 127.0.0.1:$(nport "$1" "$2")"
  "$PGBIN/pg_ctl" -D "$dir" -l "$LOG/$name.log" -w -t 60 -s start \
    || { echo "---- tail of $LOG/$name.log"; tail -20 "$LOG/$name.log"; return 1; }
}

bootstrap_primary_objects() { # shard
  local i=$1 p; p=$(pport "$i")
  local pw; pw=${REPL_PASSWORD//\'/\'\'}
  q "$p" "DO \$\$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname='replicator') THEN
           CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD '$pw'; END IF; END\$\$;"
  [[ "$(q "$p" "SELECT 1 FROM pg_database WHERE datname='$DB_NAME'")" == 1 ]] || q "$p" "CREATE DATABASE \"$DB_NAME\""
}

init_replica() { # shard
  local i=$1 dir; dir=$(ndir "$1" replica)
  inited "$dir" && return 0
  local slot="shard${i}_replica_slot" create=(-C)
  [[ "$(q "$(pport "$i")" "SELECT 1 FROM pg_replication_slots WHERE slot_name='$slot'")" == 1 ]] && create=()
  say "shard$i: pg_basebackup -R -S $slot -> $dir"
  rm -rf "$dir"; mkdir -p "$dir"; chmod 0700 "$dir"
  PGPASSWORD="$REPL_PASSWORD" "$PGBIN/pg_basebackup" -D "$dir" -h 127.0.0.1 -p "$(pport "$i")" -U replicator \
      -X stream -R "${create[@]}" -S "$slot" -c fast >"$LOG/basebackup-shard$i.log" 2>&1 \
    || { cat "$LOG/basebackup-shard$i.log"; rm -rf "$dir"; return 1; }
  put_node_conf "$i" replica 0 || true
}

wait_streaming() { # shard timeout_s
  local i=$1 t=${2:-60} p; p=$(pport "$i")
  for ((k = 0; k < t * 20; k++)); do
    if [[ "$(q "$p" "SELECT state FROM pg_stat_replication WHERE application_name='shard${i}_replica'")" == streaming ]] \
       && [[ "$(q "$(rport "$i")" "SELECT pg_is_in_recovery()")" == t ]]; then return 0; fi
    sleep 0.05
  done
  echo "shard$i: replica not streaming after ${t}s (see $LOG/shard${i}_replica.log)" >&2; return 1
}

wait_sync() { # shard — SYNC=1: the primary lists its replica as the synchronous standby
  local i=$1
  [[ "$SYNC" == 1 ]] || return 0
  for ((k = 0; k < 200; k++)); do
    [[ "$(q "$(pport "$i")" "SELECT sync_state FROM pg_stat_replication WHERE application_name='shard${i}_replica'")" == sync ]] && return 0
    sleep 0.05
  done
  echo "shard$i: replica did not become synchronous" >&2; return 1
}

up_shard() { # shard — init what is missing, start what is stopped, apply SYNC/FAST; idempotent
  local i=$1 allow_init=$2
  if ! inited "$(ndir "$i" primary)"; then
    [[ "$allow_init" == 1 ]] || { echo "shard$i not initialized; use 'up'" >&2; return 1; }
    init_primary "$i"
  fi
  # a primary whose replica exists may start synchronous at once; a fresh one waits for its replica
  local early=0; [[ "$SYNC" == 1 ]] && inited "$(ndir "$i" replica)" && early=1
  put_node_conf "$i" primary "$early" || true
  start_node "$i" primary
  bootstrap_primary_objects "$i"
  if ! inited "$(ndir "$i" replica)"; then
    [[ "$allow_init" == 1 ]] || { echo "shard$i replica not initialized; use 'up'" >&2; return 1; }
    init_replica "$i"
  fi
  put_node_conf "$i" replica 0 || true
  start_node "$i" replica
  wait_streaming "$i" 60
  if put_node_conf "$i" primary "$SYNC" && [[ "$SYNC" == 1 ]]; then say "shard$i: synchronous replication on (remote_apply)"; fi
  wait_sync "$i"
}

all_up_as_configured() { # every node running with the node.conf the knobs ask for
  local i
  for ((i = 0; i < SHARDS; i++)); do
    isup "$(ndir "$i" primary)" && isup "$(ndir "$i" replica)" || return 1
    [[ "$(cat "$(ndir "$i" primary)/node.conf" 2>/dev/null)" == "$(node_conf "$i" primary "$SYNC")" ]] || return 1
    [[ "$(cat "$(ndir "$i" replica)/node.conf" 2>/dev/null)" == "$(node_conf "$i" replica 0)" ]] || return 1
  done
}

cmd_up() { # allow_init(0|1)
  local t0; t0=$(date +%s%N)
  if [[ -f "$DATA/cluster.env" ]] && all_up_as_configured; then
    local i; for ((i = 0; i < SHARDS; i++)); do wait_streaming "$i" 10; wait_sync "$i"; done
    say "cluster in $DATA already up ($((SHARDS * 2)) nodes, SYNC=$SYNC FAST=$FAST): nothing to do"
    cmd_urls; return 0
  fi
  if [[ ! -f "$DATA/cluster.env" ]]; then
    [[ "$1" == 1 ]] || { echo "no cluster in $DATA; use 'up'" >&2; exit 1; }
    [[ -z "$(ls -A "$DATA" 2>/dev/null)" ]] || { echo "$DATA is not empty and holds no cluster.env: refusing" >&2; exit 1; }
    mkdir -p "$DATA"
    printf '# pg-cluster.sh: fixed when the cluster was created; to change them: destroy, then up\n' > "$DATA/cluster.env"
    for k in "${FIXED[@]}"; do echo "$k=${!k}" >> "$DATA/cluster.env"; done
  fi
  mkdir -p "$RUN" "$LOG"; chmod 0700 "$RUN"
  local i pids=() rc=0
  for ((i = 0; i < SHARDS; i++)); do
    (up_shard "$i" "$1") & pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || rc=1; done
  [[ $rc == 0 ]] || { echo "up failed; logs in $LOG" >&2; exit 1; }
  say "all $((SHARDS * 2)) nodes up in $(( ($(date +%s%N) - t0) / 1000000 )) ms (SYNC=$SYNC FAST=$FAST)"
  cmd_verify
  cmd_urls
}

cmd_verify() {
  local i tok p r ok=0 seen ro
  for ((i = 0; i < SHARDS; i++)); do
    p=$(pport "$i"); r=$(rport "$i"); tok="s$i-$(date +%s%N)-$RANDOM"
    # the check table lives in the maintenance database "postgres", never in $DB_NAME (migrations own it)
    q "$p" "CREATE TABLE IF NOT EXISTS _cluster_check(id bigserial PRIMARY KEY, token text NOT NULL, at timestamptz DEFAULT now())"
    q "$p" "INSERT INTO _cluster_check(token) VALUES ('$tok')"
    local t0; t0=$(date +%s%N)
    seen=$(q "$r" "SELECT count(*) FROM _cluster_check WHERE token='$tok'" 2>&1 || true)
    if [[ "$SYNC" != 1 ]]; then   # asynchronous: give the replica a moment
      for ((k = 0; k < 100; k++)); do
        [[ "$seen" == 1 ]] && break
        sleep 0.05; seen=$(q "$r" "SELECT count(*) FROM _cluster_check WHERE token='$tok'" 2>&1 || true)
      done
    fi
    local ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    ro=$(q "$r" "INSERT INTO _cluster_check(token) VALUES ('x')" 2>&1 || true)
    q "$p" "DELETE FROM _cluster_check WHERE at < now() - interval '1 minute' OR token = '$tok'"
    local db; db=$(q "$r" "SELECT current_database()" "$DB_NAME" 2>&1 || true)
    if [[ "$seen" == 1 && "$ro" == *read-only* && "$db" == "$DB_NAME" ]]; then
      say "shard$i: write on :$p visible on replica :$r $( [[ "$SYNC" == 1 ]] && echo "at once (remote_apply)" || echo "after ${ms}ms" ); replica write -> ${ro##*ERROR:  }; db $DB_NAME ok"
    else
      say "shard$i: FAIL write on :$p seen on replica :$r = '$seen'; replica write -> '$ro'; db $DB_NAME -> '$db'"; ok=1
    fi
  done
  return $ok
}

cmd_status() {
  if [[ ! -f "$DATA/cluster.env" ]]; then echo "postgres: no cluster in $DATA (run 'up')"; return 3; fi
  local i role dir port down=0 line
  for ((i = 0; i < SHARDS; i++)); do
    for role in primary replica; do
      dir=$(ndir "$i" "$role"); port=$(nport "$i" "$role")
      if isup "$dir"; then
        line="shard$i $role  127.0.0.1:$port  running"
        if [[ "$role" == primary ]]; then
          line+="  $(q "$port" "SELECT coalesce(string_agg(application_name||' '||state||' sync_state='||sync_state||' replay_lag='||coalesce(replay_lag::text,'0'), '; '), 'NO REPLICA CONNECTED') FROM pg_stat_replication" 2>&1 || echo '?')"
        else
          line+="  in_recovery=$(q "$port" "SELECT pg_is_in_recovery()" 2>&1 || echo '?')"
        fi
      else
        line="shard$i $role  127.0.0.1:$port  STOPPED"; down=1
      fi
      echo "$line"
    done
  done
  return $((down * 3))
}

stop_node() { # shard role mode
  local dir; dir=$(ndir "$1" "$2")
  if isup "$dir"; then
    "$PGBIN/pg_ctl" -D "$dir" -m "$3" -w -t 60 -s stop && say "shard$1: $2 stopped ($3)"
  fi
}

cmd_stop() {
  [[ -f "$DATA/cluster.env" ]] || { say "no cluster in $DATA: nothing to stop"; return 0; }
  local i role pids rc=0
  # primaries first: a primary's shutdown waits until its replica has received all WAL
  for role in primary replica; do
    pids=()
    for ((i = 0; i < SHARDS; i++)); do stop_node "$i" "$role" "$STOP_MODE" & pids+=($!); done
    for p in "${pids[@]}"; do wait "$p" || rc=1; done
  done
  [[ $rc == 0 ]] || { echo "some node did not stop; see $LOG" >&2; return 1; }
  say "cluster in $DATA stopped"
}

node_args() { # shard role — validates the node-stop / node-start arguments
  [[ "${1:-}" =~ ^[0-9]+$ ]] && (($1 < SHARDS)) || die "shard must be 0..$((SHARDS - 1)), got '${1:-}'"
  [[ "${2:-}" == primary || "${2:-}" == replica ]] || die "role must be primary or replica, got '${2:-}'"
  [[ -f "$DATA/cluster.env" ]] || die "no cluster in $DATA"
}

cmd_urls() {
  [[ -f "$DATA/cluster.env" ]] || die "no cluster in $DATA"
  local i cred=postgres
  [[ "$AUTH" == scram ]] && cred="postgres:$PGPASSWORD"
  for ((i = 0; i < SHARDS; i++)); do
    echo "SHARD${i}_PRIMARY_URL=postgres://$cred@127.0.0.1:$(pport "$i")/$DB_NAME"
    echo "SHARD${i}_REPLICA_URL=postgres://$cred@127.0.0.1:$(rport "$i")/$DB_NAME"
  done
}

case "$CMD" in
  up) cmd_up 1 ;;
  start) cmd_up 0 ;;
  verify) cmd_verify ;;
  status) cmd_status ;;
  stop) cmd_stop ;;
  urls) cmd_urls ;;
  destroy)
    is_ours_or_empty || die "$DATA holds no pg-cluster.sh cluster (no cluster.env): refusing to remove it"
    cmd_stop; rm -rf "$DATA"; say "removed $DATA" ;;
  node-stop)
    node_args "$@"; stop_node "$1" "$2" "${3:-$STOP_MODE}" ;;
  node-start)
    node_args "$@"; mkdir -p "$RUN" "$LOG"; start_node "$1" "$2"
    [[ "$2" == replica ]] && isup "$(ndir "$1" primary)" && wait_streaming "$1" 60
    say "shard$1: $2 running on 127.0.0.1:$(nport "$1" "$2")" ;;
  *) die "unknown command '$CMD' (up | start | stop | status | urls | destroy | verify | node-start | node-stop)" ;;
esac
