#!/usr/bin/env bash
# prometheus-local.sh — the native stack's Prometheus: scrapes every service's /metrics with the scrape
# configuration compose's Prometheus uses (deploy/prometheus/prometheus.yml, targets moved to the host
# addresses the native stack listens on: scripts/prometheus/native-config.ts). Data kept.
#
# Usage:
#   prometheus-local.sh start    # write the config, start (no-op when it runs), wait until /-/ready answers
#   prometheus-local.sh stop     # SIGTERM, wait; no-op when stopped
#   prometheus-local.sh status   # running / stopped; exit 3 when stopped
#   prometheus-local.sh url      # print PROMETHEUS_URL=http://127.0.0.1:PORT
#
# Environment knobs (defaults in brackets):
#   PROMETHEUS_PORT [9090]      loopback port (the UI, /targets, the HTTP API)
#   DATA_DIR [<repo>/.run/prometheus]  prometheus.yml, data/ (the TSDB), prometheus.log, prometheus.pid
set -euo pipefail

CMD="${1:-}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PORT="${PROMETHEUS_PORT:-9090}"
DIR="$(realpath -m "${DATA_DIR:-$ROOT/.run/prometheus}")"
PIDFILE="$DIR/prometheus.pid"; LOGFILE="$DIR/prometheus.log"
PROMETHEUS="${PROMETHEUS:-/usr/bin/prometheus}"
say() { echo "[$(date +%H:%M:%S.%3N)] prometheus: $*"; }
die() { echo "prometheus-local.sh: $*" >&2; exit 1; }
[[ "$PORT" =~ ^[0-9]+$ ]] || die "PROMETHEUS_PORT must be a number, got '$PORT'"

pid_alive() {
  [[ -f "$PIDFILE" ]] || return 1
  local pid; pid="$(cat "$PIDFILE")"
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && grep -q prometheus "/proc/$pid/cmdline" 2>/dev/null
}
ready() { curl -fsS -o /dev/null "http://127.0.0.1:$PORT/-/ready" 2>/dev/null; }
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

cmd_start() {
  [[ -x "$PROMETHEUS" ]] || die "$PROMETHEUS is not installed: run scripts/ensure-prometheus.sh"
  if pid_alive; then
    ready || die "prometheus (pid $(cat "$PIDFILE")) runs but does not answer on 127.0.0.1:$PORT (another PROMETHEUS_PORT?)"
    say "already running on http://127.0.0.1:$PORT (pid $(cat "$PIDFILE"))"; return 0
  fi
  port_busy && die "127.0.0.1:$PORT is taken by another process (a system prometheus? 'service prometheus stop'), or set PROMETHEUS_PORT"
  mkdir -p "$DIR/data"; rm -f "$PIDFILE"
  (cd "$ROOT" && bun scripts/prometheus/native-config.ts) >"$DIR/prometheus.yml"
  nohup "$PROMETHEUS" --config.file="$DIR/prometheus.yml" --storage.tsdb.path="$DIR/data" \
    --web.listen-address="127.0.0.1:$PORT" >>"$LOGFILE" 2>&1 &
  echo $! >"$PIDFILE"
  for ((k = 0; k < 400; k++)); do
    ready && { say "started on http://127.0.0.1:$PORT (pid $(cat "$PIDFILE"), config $DIR/prometheus.yml)"; return 0; }
    pid_alive || break
    sleep 0.05
  done
  echo "---- tail of $LOGFILE" >&2; tail -20 "$LOGFILE" >&2 || true
  die "prometheus did not become ready on 127.0.0.1:$PORT within 20 s"
}

cmd_stop() {
  if ! pid_alive; then rm -f "$PIDFILE"; return 0; fi
  local pid; pid="$(cat "$PIDFILE")"
  kill -TERM "$pid"
  for ((k = 0; k < 600; k++)); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$PIDFILE"; say "stopped (pid $pid)"; return 0; }
    sleep 0.05
  done
  die "prometheus (pid $pid) still running 30 s after SIGTERM; see $LOGFILE"
}

cmd_status() {
  if pid_alive && ready; then
    echo "prometheus  http://127.0.0.1:$PORT  running (pid $(cat "$PIDFILE"); targets: http://127.0.0.1:$PORT/targets)"
  else
    echo "prometheus  http://127.0.0.1:$PORT  STOPPED (dir $DIR)"; return 3
  fi
}

case "$CMD" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  url) echo "PROMETHEUS_URL=http://127.0.0.1:$PORT" ;;
  *) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 2 ;;
esac
