#!/usr/bin/env bash
# replica-entrypoint.sh — entrypoint of a shard's streaming replica (postgres image). On the first start
# (empty data directory) it clones its primary with pg_basebackup, as scripts/pg-cluster.sh does natively:
# -R writes standby.signal (start as a hot standby), -S streams through the slot primary-init.sh made.
# Then it hands over to the image's own entrypoint, which finds an initialised data directory and only
# starts postgres with the command's arguments.
#
# Environment (compose.yaml): PRIMARY_HOST, REPLICA_SLOT, REPLICA_NAME, REPL_PASSWORD.
# REPLICA_NAME is the application_name the replica connects with: the primary's
# synchronous_standby_names lists it, which is what makes this replica synchronous.
set -euo pipefail
: "${PRIMARY_HOST:?}" "${REPLICA_SLOT:?}" "${REPLICA_NAME:?}" "${REPL_PASSWORD:?}"
PGDATA="${PGDATA:-/var/lib/postgresql/data}"

if [[ ! -s "$PGDATA/PG_VERSION" ]]; then
  mkdir -p "$PGDATA"
  chown postgres:postgres "$PGDATA"
  chmod 0700 "$PGDATA"
  # depends_on waits for the primary's healthcheck; this loop only covers a primary restarting meanwhile
  until gosu postgres pg_isready -q -h "$PRIMARY_HOST" -p 5432; do
    echo "replica-entrypoint.sh: waiting for $PRIMARY_HOST"
    sleep 1
  done
  echo "replica-entrypoint.sh: pg_basebackup from $PRIMARY_HOST (slot $REPLICA_SLOT)"
  # On failure pg_basebackup empties the directory again, so the next start retries from scratch.
  PGPASSWORD="$REPL_PASSWORD" gosu postgres pg_basebackup --pgdata="$PGDATA" --host="$PRIMARY_HOST" --port=5432 \
    --username=replicator --no-password --wal-method=stream --write-recovery-conf --slot="$REPLICA_SLOT" \
    --checkpoint=fast
  # -R copied the connection it used; the last setting in the file wins, so this line adds the
  # application_name (and keeps the password the walreceiver needs on every reconnect).
  printf "primary_conninfo = 'host=%s port=5432 user=replicator password=%s application_name=%s'\n" \
    "$PRIMARY_HOST" "$REPL_PASSWORD" "$REPLICA_NAME" >>"$PGDATA/postgresql.auto.conf"
fi

exec docker-entrypoint.sh "$@"
