#!/usr/bin/env bash
# Installs the PostgreSQL 15 server (Debian package postgresql-15; its client tools psql, pg_isready
# come with it) when /usr/lib/postgresql/15/bin/postgres is missing. Idempotent: does nothing when
# present. scripts/pg-cluster.sh runs its own clusters as the OS user `postgres` (which the package
# creates); nothing runs as a system service, so the cluster the package creates and starts
# (15/main on :5432) is stopped and set to manual start: never used, but left in place (not dropped).
set -euo pipefail
PGBIN=/usr/lib/postgresql/15/bin
if [ -x "$PGBIN/postgres" ] && [ -x "$PGBIN/psql" ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
command -v apt-get >/dev/null 2>&1 || {
  echo "ensure-postgres.sh: $PGBIN/postgres is missing and this is no Debian/Ubuntu machine:" >&2
  echo "  install the PostgreSQL 15 server yourself and point scripts/pg-cluster.sh at it with PGBIN=" >&2
  exit 1
}
echo "installing postgresql-15 (Debian package)..."
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends postgresql-15 >/dev/null
# The package creates and starts a system-wide cluster (15/main on :5432); the project never uses it.
if command -v pg_lsclusters >/dev/null 2>&1; then
  pg_lsclusters --no-header 2>/dev/null | while read -r ver name _; do
    $SUDO pg_ctlcluster "$ver" "$name" stop >/dev/null 2>&1 || true
    conf="/etc/postgresql/$ver/$name/start.conf"
    if [ -f "$conf" ]; then echo manual | $SUDO tee "$conf" >/dev/null; fi
    echo "stopped the system cluster $ver/$name (start.conf: manual); the project runs its own"
  done
fi
$SUDO service postgresql stop >/dev/null 2>&1 || true
[ -x "$PGBIN/postgres" ] || { echo "ensure-postgres.sh: $PGBIN/postgres still missing after install" >&2; exit 1; }
