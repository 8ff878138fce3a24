#!/usr/bin/env bash
# Usage: scripts/ensure-go-tool.sh PACKAGE VERSION
# Installs the Go command PACKAGE (e.g. github.com/sqlc-dev/sqlc/cmd/sqlc) at VERSION into
# <repo>/.tools/bin (ignored by git) when it is missing or another version. Built from source with
# `go install` from the Go module proxy (prebuilt release binaries cannot be fetched here);
# CGO_ENABLED=0, so no C compiler is needed. The version is read from the binary's build info, since
# a `go install`ed tool often calls itself "dev". Idempotent; prints "NAME VERSION".
set -euo pipefail
pkg=$1
version=$2
name=${pkg##*/}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin="$repo/.tools/bin/$name"

if ! command -v go >/dev/null 2>&1; then
  echo "ensure-go-tool: 'go' is not on PATH; $name $version is built with 'go install' (Go >= 1.26)" >&2
  exit 1
fi
version_of() { go version -m "$bin" 2>/dev/null | awk '$1 == "mod" { print $3 }'; }
current=$(version_of || true)
if [ "$current" != "$version" ]; then
  echo "ensure-go-tool: installing $name $version into .tools/bin (go install, takes a minute or more)..." >&2
  mkdir -p "$repo/.tools/bin"
  GOBIN="$repo/.tools/bin" CGO_ENABLED=0 go install "$pkg@$version"
  current=$(version_of)
  if [ "$current" != "$version" ]; then
    echo "ensure-go-tool: expected $name $version, got '$current'" >&2
    exit 1
  fi
fi
echo "$name $current"
