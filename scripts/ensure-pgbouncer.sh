#!/usr/bin/env bash
# Installs PgBouncer (Debian package pgbouncer) when /usr/sbin/pgbouncer is missing. Idempotent.
# scripts/pgbouncer-local.sh runs the stack's own bouncers (one per shard primary) as the OS user
# `postgres`; the system-wide service the package starts is stopped and never used.
exec "$(dirname "${BASH_SOURCE[0]}")/ensure-deb.sh" pgbouncer /usr/sbin/pgbouncer
