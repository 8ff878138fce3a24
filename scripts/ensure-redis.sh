#!/usr/bin/env bash
# Installs redis-server from Debian when it is missing. Idempotent: does nothing when present.
# Tests and `just up` start their own redis-server processes; nothing runs as a system service.
set -euo pipefail
if command -v redis-server >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
echo "installing redis-server (Debian package)..."
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends redis-server >/dev/null
# The package starts a system-wide server on :6379; the project never uses it, so stop it quietly.
$SUDO service redis-server stop >/dev/null 2>&1 || true
command -v redis-server >/dev/null
