#!/usr/bin/env bash
# Installs sqlc into <repo>/.tools/bin when it is missing or not the pinned version (sqlc v1.31.x
# needs Go >= 1.26; CGO_ENABLED=0 selects its pure-Go WASM PostgreSQL parser). Idempotent.
exec "$(dirname "${BASH_SOURCE[0]}")/ensure-go-tool.sh" github.com/sqlc-dev/sqlc/cmd/sqlc v1.31.1
