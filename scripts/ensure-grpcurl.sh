#!/usr/bin/env bash
# Installs grpcurl into <repo>/.tools/bin (ignored by git) when it is missing or not the pinned version.
# Built from source with `go install` (the Go module proxy is reachable, prebuilt release binaries are
# not). The gRPC tool tests (platform/test/grpc-tools.test.ts) call it against a real server.
# Idempotent; prints the installed version.
set -euo pipefail
GRPCURL_VERSION=v1.9.4
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin="$repo/.tools/bin/grpcurl"

# A `go install`ed grpcurl calls itself "dev"; the module version is in the binary's build info.
version_of() { go version -m "$bin" 2>/dev/null | awk '$1 == "mod" { print $3 }'; }
current=$(version_of || true)
if [ "$current" != "$GRPCURL_VERSION" ]; then
  if ! command -v go >/dev/null 2>&1; then
    echo "ensure-grpcurl: 'go' is not on PATH; grpcurl $GRPCURL_VERSION is built with 'go install'" >&2
    exit 1
  fi
  echo "ensure-grpcurl: installing grpcurl $GRPCURL_VERSION into .tools/bin (go install, takes a minute or two)..." >&2
  mkdir -p "$repo/.tools/bin"
  GOBIN="$repo/.tools/bin" CGO_ENABLED=0 go install "github.com/fullstorydev/grpcurl/cmd/grpcurl@$GRPCURL_VERSION"
  current=$(version_of)
  if [ "$current" != "$GRPCURL_VERSION" ]; then
    echo "ensure-grpcurl: expected grpcurl $GRPCURL_VERSION, got '$current'" >&2
    exit 1
  fi
fi
echo "grpcurl $current"
