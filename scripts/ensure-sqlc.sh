#!/usr/bin/env bash
# Installs sqlc into <repo>/.tools/bin (ignored by git) when it is missing or not the pinned version.
# Built from source with `go install` (Go >= 1.26 is required by sqlc v1.31.x). CGO_ENABLED=0 selects the
# pure-Go WASM PostgreSQL parser, so no C compiler is needed. Idempotent; prints the installed version.
set -euo pipefail
SQLC_VERSION=v1.31.1
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin="$repo/.tools/bin/sqlc"

current=$("$bin" version 2>/dev/null || true)
if [ "$current" != "$SQLC_VERSION" ]; then
  if ! command -v go >/dev/null 2>&1; then
    echo "ensure-sqlc: 'go' is not on PATH; sqlc $SQLC_VERSION is built with 'go install' and needs Go >= 1.26" >&2
    exit 1
  fi
  echo "ensure-sqlc: installing sqlc $SQLC_VERSION into .tools/bin (go install, takes a few minutes)..." >&2
  mkdir -p "$repo/.tools/bin"
  GOBIN="$repo/.tools/bin" CGO_ENABLED=0 go install "github.com/sqlc-dev/sqlc/cmd/sqlc@$SQLC_VERSION"
  current=$("$bin" version)
  if [ "$current" != "$SQLC_VERSION" ]; then
    echo "ensure-sqlc: expected sqlc $SQLC_VERSION, got '$current'" >&2
    exit 1
  fi
fi
echo "sqlc $current"
