#!/usr/bin/env bash
# redis-local.sh — the Redis of `just infra`: one daemonized redis-server on 127.0.0.1, data kept.
#
# Usage:
#   redis-local.sh start    # start (no-op when it already runs), wait until it answers PING
#   redis-local.sh stop     # SIGTERM (Redis flushes the AOF and exits), wait; no-op when stopped
#   redis-local.sh status   # running / stopped; exit 3 when stopped
#   redis-local.sh url      # print REDIS_URL=redis://127.0.0.1:PORT
#
# Environment knobs (defaults in brackets):
#   REDIS_PORT [6379]         loopback port
#   DATA_DIR [<repo>/.run/redis]  AOF files (appendonlydir/), redis.pid and redis.log
# Persistence: append-only file on (appendonly yes, appendfsync everysec), RDB snapshots off: the AOF
# is the copy on disk. Tests do not use this server: they start throwaway ones (testkit/src/redis-server.ts).
set -euo pipefail

CMD="${1:-}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PORT="${REDIS_PORT:-6379}"
DIR="$(realpath -m "${DATA_DIR:-$ROOT/.run/redis}")"
PIDFILE="$DIR/redis.pid"; LOGFILE="$DIR/redis.log"
say() { echo "[$(date +%H:%M:%S.%3N)] redis: $*"; }
die() { echo "redis-local.sh: $*" >&2; exit 1; }
[[ "$PORT" =~ ^[0-9]+$ ]] || die "REDIS_PORT must be a number, got '$PORT'"

pid_alive() { # the pid in PIDFILE is a live redis-server
  [[ -f "$PIDFILE" ]] || return 1
  local pid; pid="$(cat "$PIDFILE")"
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && grep -q redis-server "/proc/$pid/cmdline" 2>/dev/null
}
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }
ping() { [[ "$(redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null)" == PONG ]]; }

cmd_start() {
  command -v redis-server >/dev/null || die "redis-server is not installed: run scripts/ensure-redis.sh"
  if pid_alive; then
    ping || die "redis-server (pid $(cat "$PIDFILE")) runs but does not answer on 127.0.0.1:$PORT (another REDIS_PORT?)"
    say "already running on 127.0.0.1:$PORT (pid $(cat "$PIDFILE"))"; return 0
  fi
  port_busy && die "127.0.0.1:$PORT is taken by another process (a system redis-server? 'service redis-server stop'), or set REDIS_PORT"
  mkdir -p "$DIR"; rm -f "$PIDFILE"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$PORT" --protected-mode yes \
    --dir "$DIR" --pidfile "$PIDFILE" --logfile "$LOGFILE" \
    --appendonly yes --appendfsync everysec --save "" >/dev/null
  for ((k = 0; k < 200; k++)); do
    ping && { say "started on 127.0.0.1:$PORT (pid $(cat "$PIDFILE" 2>/dev/null || echo ?), AOF in $DIR)"; return 0; }
    sleep 0.05
  done
  echo "---- tail of $LOGFILE" >&2; tail -20 "$LOGFILE" >&2 || true
  die "redis-server did not answer on 127.0.0.1:$PORT within 10 s"
}

cmd_stop() {
  if ! pid_alive; then say "not running (nothing to stop)"; rm -f "$PIDFILE"; return 0; fi
  local pid; pid="$(cat "$PIDFILE")"
  kill -TERM "$pid"
  for ((k = 0; k < 600; k++)); do
    kill -0 "$pid" 2>/dev/null || { say "stopped (pid $pid)"; return 0; }
    sleep 0.05
  done
  die "redis-server (pid $pid) still running 30 s after SIGTERM; see $LOGFILE"
}

cmd_status() {
  if pid_alive && ping; then
    local aof; aof="$(redis-cli -h 127.0.0.1 -p "$PORT" info persistence | tr -d '\r' | grep -E '^aof_enabled:' || true)"
    echo "redis  127.0.0.1:$PORT  running (pid $(cat "$PIDFILE"), ${aof:-aof_enabled:?}, dir $DIR)"
  else
    echo "redis  127.0.0.1:$PORT  STOPPED (dir $DIR)"; return 3
  fi
}

case "$CMD" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  url) echo "REDIS_URL=redis://127.0.0.1:$PORT" ;;
  *) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 2 ;;
esac
