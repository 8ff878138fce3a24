#!/usr/bin/env bash
# Installs PgBouncer (Debian package pgbouncer) when /usr/sbin/pgbouncer is missing. Idempotent: does
# nothing when present. scripts/pgbouncer-local.sh runs its own bouncers (one per shard primary) as the
# OS user `postgres`; the system-wide service the package starts is stopped and never used.
set -euo pipefail
if [ -x /usr/sbin/pgbouncer ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
command -v apt-get >/dev/null 2>&1 || {
  echo "ensure-pgbouncer.sh: /usr/sbin/pgbouncer is missing and this is no Debian/Ubuntu machine: install PgBouncer yourself" >&2
  exit 1
}
echo "installing pgbouncer (Debian package)..."
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends pgbouncer >/dev/null
$SUDO service pgbouncer stop >/dev/null 2>&1 || true
[ -x /usr/sbin/pgbouncer ] || { echo "ensure-pgbouncer.sh: /usr/sbin/pgbouncer still missing after install" >&2; exit 1; }
