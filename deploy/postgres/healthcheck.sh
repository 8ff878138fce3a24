#!/usr/bin/env bash
# healthcheck.sh primary|replica — the compose healthcheck of a shard's PostgreSQL node.
#   primary: accepts TCP connections. TCP, not the unix socket: while the image's entrypoint runs the
#            init scripts its temporary server listens on the socket only, and must not count as up.
#   replica: the same, and its WAL receiver streams from the primary — from then on the primary's
#            synchronous commits complete, so LOMS may start writing.
# Loopback connections are trusted by the pg_hba.conf initdb writes (the replica has a copy of it).
set -euo pipefail
pg_isready -q -h 127.0.0.1 -p 5432 -U postgres -d postgres
case "${1:-}" in
  primary) ;;
  replica)
    status="$(psql -X -At -h 127.0.0.1 -p 5432 -U postgres -d postgres -c 'SELECT status FROM pg_stat_wal_receiver')"
    [[ "$status" == streaming ]]
    ;;
  *) echo "usage: healthcheck.sh primary|replica" >&2; exit 2 ;;
esac
