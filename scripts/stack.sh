#!/usr/bin/env bash
# The native full stack, in the background (no Docker engine needed), laid out as compose.yaml lays it
# out: infrastructure from scripts/infra.sh (PostgreSQL shards, a PgBouncer per primary, Redis, Kafka),
# then every service on its usual port — two LOMS instances writing through PgBouncer (transaction
# pooling, LOMS_PG_PREPARE=false) and reading from the replicas, cart on Redis, three notifiers — and
# Prometheus scraping them all with compose's scrape configuration (scripts/prometheus-local.sh).
# Logs: .run/logs/<service>.log, pids: .run/pids/<service>.pid. `up` says how long each step took
# and, at the end, where everything answers.
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
  KAFKA_DATA_DIR="${KAFKA_DATA_DIR:-$RUN/kafka}" PGBOUNCER_DATA_DIR="${PGBOUNCER_DATA_DIR:-$RUN/pgbouncer}"
PROMETHEUS_DIR="${PROMETHEUS_DATA_DIR:-$RUN/prometheus}"

# Every process of the stack: two LOMS instances share the background jobs (as loms-1 and loms-2 do in
# compose), three notifiers share the consumer group "notifier" (2 partitions: one of them stands by
# and takes over when another dies).
SERVICES=(products loms loms-2 cart notifier-1 notifier-2 notifier-3)
entry_of() { echo "${1%%-*}/src/main.ts"; }
port_of() {
  case $1 in
    products) echo 8082 ;; loms) echo 8084 ;; loms-2) echo 8085 ;; cart) echo 8080 ;;
    notifier-1) echo 8086 ;; notifier-2) echo 8087 ;; notifier-3) echo 8088 ;;
  esac
}
# LOMS writes through the bouncers (scripts/pgbouncer-local.sh: shard i on PGBOUNCER_PORT+i), as in
# compose.yaml; its reads go to the replicas (LOMS_PG_REPLICAS' default).
BOUNCERS="postgres://postgres:postgres@127.0.0.1:${PGBOUNCER_PORT:-6432}/loms,postgres://postgres:postgres@127.0.0.1:$((${PGBOUNCER_PORT:-6432} + 1))/loms"
env_of() {
  case $1 in
    loms*) echo "LOMS_PORT=$(port_of "$1") LOMS_STORAGE=postgres LOMS_EVENTS=kafka LOMS_PG_PRIMARIES=$BOUNCERS LOMS_PG_PREPARE=false" ;;
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
  local t0; t0=$(date +%s%N)
  for _ in $(seq 1 200); do
    if curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then
      echo "$name ready on :$port in $(( ($(date +%s%N) - t0) / 1000000 )) ms"; return 0
    fi
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

prometheus() { DATA_DIR="$PROMETHEUS_DIR" scripts/prometheus-local.sh "$@"; }
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

# Where everything answers, once it does.
where() {
  local s p
  echo "== where everything answers (logs in $RUN/logs; just ps, just logs, just down)"
  for s in cart products loms loms-2; do
    p=$(port_of "$s")
    printf '  %-11s http://127.0.0.1:%s   Swagger UI http://127.0.0.1:%s/docs   metrics /metrics\n' "$s" "$p" "$p"
  done
  printf '  %-11s http://127.0.0.1:8086 … :8088 (health and metrics)\n' notifiers
  printf '  %-11s http://127.0.0.1:%s (targets: /targets)\n' prometheus "${PROMETHEUS_PORT:-9090}"
  printf '  %-11s primaries :55432 / :55434, replicas :55433 / :55435 (psql postgres://postgres@127.0.0.1:55432/loms)\n' postgres
  printf '  %-11s :%s -> shard 0, :%s -> shard 1 (admin: psql postgres://postgres:postgres@127.0.0.1:%s/pgbouncer)\n' \
    pgbouncer "${PGBOUNCER_PORT:-6432}" "$((${PGBOUNCER_PORT:-6432} + 1))" "${PGBOUNCER_PORT:-6432}"
  printf '  %-11s redis://127.0.0.1:%s   kafka 127.0.0.1:%s\n' redis "${REDIS_PORT:-6379}" "${KAFKA_PORT:-9092}"
}

case "${1:-}" in
  up)
    t0=$(date +%s%N)
    scripts/infra.sh up
    echo "== services"; t=$(date +%s%N)
    for s in "${SERVICES[@]}"; do start_service "$s"; done
    echo "== services up in $(ms_since "$t") ms"
    echo "== prometheus"; t=$(date +%s%N)
    scripts/ensure-prometheus.sh
    prometheus start
    echo "== prometheus up in $(ms_since "$t") ms"
    where
    echo "== stack up in $(ms_since "$t0") ms"
    ;;
  down)
    prometheus stop
    for ((i = ${#SERVICES[@]} - 1; i >= 0; i--)); do stop_service "${SERVICES[$i]}"; done
    scripts/infra.sh down
    ;;
  status)
    rc=0
    echo "== services"
    for s in "${SERVICES[@]}"; do
      p=$(port_of "$s")
      if running "$s"; then
        echo "$s: running (pid $(cat "$RUN/pids/$s.pid")) on http://127.0.0.1:$p$([[ $s == notifier-* ]] || echo "  Swagger UI http://127.0.0.1:$p/docs")"
      else echo "$s: stopped"; rc=3; fi
    done
    echo "== prometheus"
    prometheus status || rc=3
    scripts/infra.sh status || rc=3
    exit $rc
    ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
