#!/usr/bin/env bash
# ensure-k8s-tools.sh — the Go tools that validate the Helm chart offline (deploy/test/helm.test.ts), built
# into <repo>/.tools/bin (ignored by git) from the Go module proxy with `go install`:
#   helm           renders and lints deploy/helm/route256
#   kubeconform    validates every rendered manifest against JSON schemas (strict: no unknown fields)
#   controller-gen makes the CloudNativePG and Prometheus Operator CRDs from their Go API types
#                  (scripts/ensure-k8s-schemas.sh), the way those projects make them
#
# Pinned by version and by the module's checksum (the h1: hash of go.sum): `go mod download` checks the
# module against the checksum database, and this script refuses it unless the hash is the pinned one;
# every dependency is checked against the tool's own go.sum by `go install`. An installed binary is kept
# when the build info Go stamps into it (`go version -m`) names the pinned module version and hash, so a
# second run does nothing. Building helm takes minutes on 2 cores (cached in Go's build cache after).
#
# Usage: scripts/ensure-k8s-tools.sh [helm|kubeconform|controller-gen]...   (no argument: all three)
# Prints one line per tool: its name, version and path.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$ROOT/.tools/bin"
die() { echo "ensure-k8s-tools.sh: $*" >&2; exit 1; }

# name | package to install | module | version | module checksum (go.sum h1:)
TOOLS=(
  "helm|helm.sh/helm/v4/cmd/helm|helm.sh/helm/v4|v4.3.2|h1:zdd8DgKTlLrlYIzdoAntDHLH0V3RkgNIpQ3yjzuD84M="
  "kubeconform|github.com/yannh/kubeconform/cmd/kubeconform|github.com/yannh/kubeconform|v0.7.0|h1:ZFfniR8VChrWQxaxTUGnNrxw8RIDkjVBrjdhXSamwjw="
  # the version CloudNativePG 1.30 generates its CRDs with (its Makefile: CONTROLLER_TOOLS_VERSION)
  "controller-gen|sigs.k8s.io/controller-tools/cmd/controller-gen|sigs.k8s.io/controller-tools|v0.21.0|h1:KXDQza3bgjlPY6xLR63tI/40gzjhyUAvkCrwzd2/6cs="
)

# "module version sum" of the main module a Go binary was built from, or nothing
built_from() { go version -m "$1" 2>/dev/null | awk '$1 == "mod" { print $2, $3, $4; exit }'; }

ensure() {
  local name=$1 pkg=$2 module=$3 version=$4 sum=$5
  local bin="$BIN/$name"
  if [[ -x "$bin" && "$(built_from "$bin")" == "$module $version $sum" ]]; then
    echo "$name $version $bin"
    return
  fi
  echo "ensure-k8s-tools.sh: building $name $version into .tools/bin (go install)..." >&2
  local json got
  json="$(cd "$(mktemp -d)" && go mod download -json "$module@$version" 2>&1)" \
    || die "go mod download $module@$version failed: $json"
  got="$(sed -n 's/^[[:space:]]*"Sum": "\(.*\)",\{0,1\}$/\1/p' <<<"$json" | head -1)"
  [[ "$got" == "$sum" ]] || die "$module@$version has checksum '$got', expected $sum: not using it"
  mkdir -p "$BIN"
  # CGO off: static binaries, no C toolchain needed
  GOBIN="$BIN" CGO_ENABLED=0 go install "$pkg@$version" || die "go install $pkg@$version failed"
  [[ "$(built_from "$bin")" == "$module $version $sum" ]] \
    || die "$bin is not $module $version $sum after go install: $(built_from "$bin")"
  echo "$name $version $bin"
}

command -v go >/dev/null 2>&1 || die "'go' is not on PATH: the tools are built with 'go install' (Go >= 1.26)"
mkdir -p "$ROOT/.tools"
exec 9>"$ROOT/.tools/.k8s-tools.lock"
flock 9 # another run may be building right now: wait for it, then find its binaries
wanted=("$@")
[[ ${#wanted[@]} -gt 0 ]] || wanted=(helm kubeconform controller-gen)
for want in "${wanted[@]}"; do
  found=
  for row in "${TOOLS[@]}"; do
    IFS='|' read -r name pkg module version sum <<<"$row"
    if [[ "$name" == "$want" ]]; then
      ensure "$name" "$pkg" "$module" "$version" "$sum"
      found=1
    fi
  done
  [[ -n "$found" ]] || die "no such tool: $want (helm, kubeconform, controller-gen)"
done
