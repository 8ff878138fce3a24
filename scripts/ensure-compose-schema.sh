#!/usr/bin/env bash
# ensure-compose-schema.sh — the Compose Specification JSON schema that deploy/test/compose.test.ts validates
# compose.yaml against, cached in <repo>/.tools/compose-spec/<version>/ (ignored by git; never committed).
#
# The authoritative copy is the one Docker Compose itself validates with: schema/compose-spec.json of the Go
# module github.com/compose-spec/compose-go/v2. It comes from the Go module proxy at a pinned version:
#   - with Go on PATH: `go mod download`, which also checks the module against the checksum database
#     (sum.golang.org);
#   - without Go: the module zip straight from the proxy (curl + unzip).
# Either way the file must have the pinned sha256, so both routes give byte-for-byte the same schema.
# Idempotent: nothing is fetched when the cached file is there and intact. Fails loudly otherwise.
# Prints one line: the path of the schema file.
#
# To move to a newer compose-go: change VERSION, run with SHA256= (empty) to print the new sum, pin it.
set -euo pipefail
MODULE=github.com/compose-spec/compose-go/v2
VERSION=v2.16.2
SHA256=f266dcbb043229405d7cedd5aec918f9102c2b3d5e3850808fdd8edd564a43ff
PROXY="${GOPROXY_URL:-https://proxy.golang.org}"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/.tools/compose-spec/$VERSION/compose-spec.json"
die() { echo "ensure-compose-schema.sh: $*" >&2; exit 1; }
sha_of() { sha256sum "$1" | cut -d' ' -f1; }

if [[ -f "$DEST" && -n "$SHA256" && "$(sha_of "$DEST")" == "$SHA256" ]]; then
  echo "$DEST"
  exit 0
fi

mkdir -p "$(dirname "$DEST")"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

if command -v go >/dev/null 2>&1; then
  # in an empty directory: no go.mod of anyone's around, so this is a plain module download
  json="$(cd "$tmp" && GOFLAGS=-mod=mod go mod download -json "$MODULE@$VERSION" 2>&1)" \
    || die "go mod download $MODULE@$VERSION failed: $json"
  dir="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' <<<"$json" | head -1)"
  [[ -n "$dir" && -f "$dir/schema/compose-spec.json" ]] \
    || die "go mod download gave no schema/compose-spec.json for $MODULE@$VERSION: $json"
  cp "$dir/schema/compose-spec.json" "$tmp/compose-spec.json"
else
  if ! command -v curl >/dev/null 2>&1 || ! command -v unzip >/dev/null 2>&1; then
    die "needs Go, or curl and unzip, to fetch $MODULE@$VERSION from $PROXY"
  fi
  # the proxy's paths spell upper-case letters as !lower-case; this module has none
  curl -fsSL --retry 3 -o "$tmp/module.zip" "$PROXY/$MODULE/@v/$VERSION.zip" \
    || die "could not download $PROXY/$MODULE/@v/$VERSION.zip"
  unzip -p "$tmp/module.zip" "$MODULE@$VERSION/schema/compose-spec.json" >"$tmp/compose-spec.json" \
    || die "the module zip of $MODULE@$VERSION has no schema/compose-spec.json"
fi

got="$(sha_of "$tmp/compose-spec.json")"
if [[ -z "$SHA256" ]]; then
  die "no SHA256 pinned; the schema of $MODULE@$VERSION has sha256 $got"
fi
[[ "$got" == "$SHA256" ]] || die "schema of $MODULE@$VERSION has sha256 $got, expected $SHA256: not using it"
mv "$tmp/compose-spec.json" "$DEST"
echo "$DEST"
