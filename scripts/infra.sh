#!/usr/bin/env bash
# infra.sh — the servers the system runs against for real (`just infra up|down|status`): native
# processes on 127.0.0.1, data kept under .run/ (gitignored) across down/up.
#
# Usage:
#   infra.sh up       # install what is missing, start every component (no-op for running ones), print URLs
#   infra.sh down     # stop every component, in reverse order; data stays
#   infra.sh status   # one block per component; exit 3 when something is not running
#
# Components (in start order; down goes in reverse). Adding one = one name in COMPONENTS and its
# NAME_up / NAME_down / NAME_status / NAME_urls functions:
#   postgres  2 shards × (primary + synchronous replica), durable (FAST=0), data in .run/pg,
#             ports BASE_PORT [55432] … +3 (scripts/pg-cluster.sh)
#   pgbouncer one PgBouncer per shard primary (transaction pooling), ports PGBOUNCER_PORT [6432] and +1,
#             state in .run/pgbouncer (scripts/pgbouncer-local.sh; Debian package via ensure-pgbouncer.sh)
#   redis     AOF on, data in .run/redis, port REDIS_PORT [6379] (scripts/redis-local.sh)
#   kafka     Apache Kafka 4.x, one KRaft broker+controller JVM, data in .run/kafka, ports KAFKA_PORT [9092]
#             and CONTROLLER_PORT [9093], topics loms.order-events and payments (scripts/kafka-local.sh;
#             jars from Maven Central via scripts/ensure-kafka.sh, cached in .tools/kafka)
# Knobs: PG_DATA_DIR [.run/pg], PGBOUNCER_DATA_DIR [.run/pgbouncer], REDIS_DATA_DIR [.run/redis],
# KAFKA_DATA_DIR [.run/kafka], BASE_PORT, PGBOUNCER_PORT, REDIS_PORT, KAFKA_PORT, CONTROLLER_PORT.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
S="$ROOT/scripts"
PG_DATA="${PG_DATA_DIR:-$ROOT/.run/pg}"
REDIS_DATA="${REDIS_DATA_DIR:-$ROOT/.run/redis}"
KAFKA_DATA="${KAFKA_DATA_DIR:-$ROOT/.run/kafka}"
PGBOUNCER_DATA="${PGBOUNCER_DATA_DIR:-$ROOT/.run/pgbouncer}"

COMPONENTS=(postgres pgbouncer redis kafka)

# the `just infra` cluster keeps data: FAST=0 (fsync on) always, whatever the caller's environment says
postgres_up()     { "$S/ensure-postgres.sh"; FAST=0 SYNC=1 "$S/pg-cluster.sh" up "$PG_DATA" | grep -v '_URL='; }
postgres_down()   { "$S/pg-cluster.sh" stop "$PG_DATA"; }
postgres_status() { "$S/pg-cluster.sh" status "$PG_DATA"; }
postgres_urls()   { "$S/pg-cluster.sh" urls "$PG_DATA"; }

pgbouncer_up()     { "$S/ensure-pgbouncer.sh"; DATA_DIR="$PGBOUNCER_DATA" PG_BASE_PORT="${BASE_PORT:-55432}" "$S/pgbouncer-local.sh" start; }
pgbouncer_down()   { DATA_DIR="$PGBOUNCER_DATA" "$S/pgbouncer-local.sh" stop; }
pgbouncer_status() { DATA_DIR="$PGBOUNCER_DATA" PG_BASE_PORT="${BASE_PORT:-55432}" "$S/pgbouncer-local.sh" status; }
pgbouncer_urls()   { DATA_DIR="$PGBOUNCER_DATA" "$S/pgbouncer-local.sh" urls; }

redis_up()        { "$S/ensure-redis.sh"; DATA_DIR="$REDIS_DATA" "$S/redis-local.sh" start; }
redis_down()      { DATA_DIR="$REDIS_DATA" "$S/redis-local.sh" stop; }
redis_status()    { DATA_DIR="$REDIS_DATA" "$S/redis-local.sh" status; }
redis_urls()      { DATA_DIR="$REDIS_DATA" "$S/redis-local.sh" url; }

kafka_up()        { "$S/ensure-kafka.sh"; DATA_DIR="$KAFKA_DATA" "$S/kafka-local.sh" start; }
kafka_down()      { DATA_DIR="$KAFKA_DATA" "$S/kafka-local.sh" stop; }
kafka_status()    { DATA_DIR="$KAFKA_DATA" "$S/kafka-local.sh" status; }
kafka_urls()      { DATA_DIR="$KAFKA_DATA" "$S/kafka-local.sh" url; }

case "${1:-}" in
  up)
    t0=$(date +%s%N)
    for c in "${COMPONENTS[@]}"; do
      echo "== $c"; t=$(date +%s%N)
      "${c}_up"
      echo "== $c up in $(( ($(date +%s%N) - t) / 1000000 )) ms"
    done
    echo "== infrastructure up in $(( ($(date +%s%N) - t0) / 1000000 )) ms; connection URLs:"
    for c in "${COMPONENTS[@]}"; do "${c}_urls"; done ;;
  down)
    for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do c=${COMPONENTS[i]}; echo "== $c"; "${c}_down"; done ;;
  status)
    rc=0
    for c in "${COMPONENTS[@]}"; do echo "== $c"; "${c}_status" || rc=3; done
    exit $rc ;;
  *) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 2 ;;
esac
