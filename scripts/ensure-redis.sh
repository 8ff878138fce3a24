#!/usr/bin/env bash
# Installs redis-server from Debian when it is missing. Idempotent: does nothing when present.
# Tests and `just up` start their own redis-server processes; the system-wide server the package
# starts on :6379 is stopped again (scripts/ensure-deb.sh).
if command -v redis-server >/dev/null 2>&1; then exit 0; fi
exec "$(dirname "${BASH_SOURCE[0]}")/ensure-deb.sh" redis-server /usr/bin/redis-server
