#!/usr/bin/env bash
# primary-init.sh — one-time set-up of a shard's primary, run by the official postgres image's entrypoint
# (mounted into /docker-entrypoint-initdb.d) when it initialises an empty data directory, against the
# temporary server it starts on the unix socket. What scripts/pg-cluster.sh's bootstrap does natively:
#   - role "replicator" (REPLICATION LOGIN) that the replica streams with, allowed in pg_hba.conf;
#   - the physical replication slot the replica uses, so the primary keeps the WAL it has not received;
#   - the LOMS database (LOMS_DB). LOMS creates its tables itself (migrations on start).
# Environment (compose.yaml): REPL_PASSWORD, REPLICA_SLOT, LOMS_DB; POSTGRES_USER comes from the image.
#
# The entrypoint may source this file instead of running it (when it is not executable), so it changes
# no shell options and checks its variables with ${VAR:?}.

: "${REPL_PASSWORD:?REPL_PASSWORD must be set}" "${REPLICA_SLOT:?REPLICA_SLOT must be set}" "${LOMS_DB:?LOMS_DB must be set}"

# The server runs with synchronous_standby_names already set (compose.yaml passes it on the command line,
# and the entrypoint hands the same arguments to its temporary server). No standby exists yet, so a
# normal commit here would wait forever: this session commits locally.
psql -v ON_ERROR_STOP=1 -X -q --username "${POSTGRES_USER:-postgres}" --dbname postgres \
  --set repl_password="$REPL_PASSWORD" --set slot="$REPLICA_SLOT" --set db="$LOMS_DB" <<'SQL'
SET synchronous_commit = local;
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'repl_password';
SELECT pg_create_physical_replication_slot(:'slot') \g /dev/null
CREATE DATABASE :"db";
SQL

# Replication connections match no "all" database line: they need their own. Password-checked, from the
# compose network (the replica's address is not fixed).
echo "host replication replicator all scram-sha-256" >>"$PGDATA/pg_hba.conf"
echo "primary-init.sh: role replicator, slot $REPLICA_SLOT and database $LOMS_DB created"
