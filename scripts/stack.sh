#!/usr/bin/env bash
# The native full stack, in the background (no Docker engine needed): infrastructure from
# scripts/infra.sh, then every service on its usual port with LOMS on the PostgreSQL cluster and
# Kafka, cart on Redis, and three notifier instances. Logs: .run/logs/<service>.log, pids:
# .run/pids/<service>.pid.
#
#   scripts/stack.sh up | down | status
#
# Knobs: STACK_DIR [.run] holds everything of this stack (data, logs, pids) — the e2e smoke test
# uses a temporary one; the services inherit the environment, so OTEL_EXPORTER_OTLP_ENDPOINT and
# friends set by the caller reach them all.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
RUN="${STACK_DIR:-.run}"
mkdir -p "$RUN/logs" "$RUN/pids"
export PG_DATA_DIR="${PG_DATA_DIR:-$RUN/pg}" REDIS_DATA_DIR="${REDIS_DATA_DIR:-$RUN/redis}" \
  KAFKA_DATA_DIR="${KAFKA_DATA_DIR:-$RUN/kafka}"

# Every process of the stack: three notifiers share the consumer group "notifier" (2 partitions:
# one of them stands by and takes over when another dies).
SERVICES=(products loms cart notifier-1 notifier-2 notifier-3)
entry_of() { echo "${1%%-*}/src/main.ts"; }
port_of() {
  case $1 in
    products) echo 8082 ;; loms) echo 8084 ;; cart) echo 8080 ;;
    notifier-1) echo 8086 ;; notifier-2) echo 8087 ;; notifier-3) echo 8088 ;;
  esac
}
env_of() {
  case $1 in
    loms) echo "LOMS_STORAGE=postgres LOMS_EVENTS=kafka" ;;
    cart) echo "CART_STORAGE=redis" ;;
    notifier-*) echo "NOTIFIER_PORT=$(port_of "$1") NOTIFIER_INSTANCE=$1" ;;
    *) echo "" ;;
  esac
}

running() { [[ -f "$RUN/pids/$1.pid" ]] && kill -0 "$(cat "$RUN/pids/$1.pid")" 2>/dev/null; }

start_service() {
  local name=$1 port
  port=$(port_of "$name")
  if running "$name"; then echo "$name already running (pid $(cat "$RUN/pids/$name.pid"))"; return 0; fi
  # shellcheck disable=SC2046
  env $(env_of "$name") nohup bun "$(entry_of "$name")" >>"$RUN/logs/$name.log" 2>&1 &
  echo $! >"$RUN/pids/$name.pid"
  for _ in $(seq 1 200); do
    if curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then echo "$name ready on :$port"; return 0; fi
    if ! running "$name"; then echo "$name exited; last lines of $RUN/logs/$name.log:" >&2; tail -20 "$RUN/logs/$name.log" >&2; return 1; fi
    sleep 0.1
  done
  echo "$name not ready on :$port after 20 s; see $RUN/logs/$name.log" >&2
  return 1
}

stop_service() {
  local name=$1
  if running "$name"; then
    local pid; pid=$(cat "$RUN/pids/$name.pid")
    kill -TERM "$pid"
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    echo "stopped $name"
  fi
  rm -f "$RUN/pids/$name.pid"
}

case "${1:-}" in
  up)
    scripts/infra.sh up
    for s in "${SERVICES[@]}"; do start_service "$s"; done
    echo "stack up: cart :8080, products :8082, loms :8084, notifiers :8086-8088 (logs in $RUN/logs)"
    ;;
  down)
    for ((i = ${#SERVICES[@]} - 1; i >= 0; i--)); do stop_service "${SERVICES[$i]}"; done
    scripts/infra.sh down
    ;;
  status)
    for s in "${SERVICES[@]}"; do
      if running "$s"; then echo "$s: running (pid $(cat "$RUN/pids/$s.pid")) on :$(port_of "$s")"; else echo "$s: stopped"; fi
    done
    scripts/infra.sh status
    ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
