#!/usr/bin/env bash
# ensure-k8s-schemas.sh — the schemas deploy/test/helm.test.ts validates the chart's manifests against,
# cached in <repo>/.tools/k8s-schemas/ (ignored by git; never committed). Each comes through the registry
# of its own kind, pinned by version and sha256:
#   kubernetes/v<KUBE_VERSION>/  the Kubernetes API as JSON schemas, strict variant (no unknown fields):
#                from the PyPI package kubernetes-validate, which bundles them (the wheel is a zip: only
#                the schemas are taken, nothing is installed into Python)
#   crds/        CustomResourceDefinitions, generated from the operators' own API types:
#                - CloudNativePG (Go module github.com/cloudnative-pg/cloudnative-pg, package api/v1) and
#                  the Prometheus Operator's ServiceMonitor (Go module .../pkg/apis/monitoring) with
#                  controller-gen, as both projects make theirs (scripts/ensure-k8s-tools.sh builds it);
#                - Strimzi (Maven Central io.strimzi:api) with io.strimzi:crd-generator, with the
#                  arguments Strimzi's own build passes it.
# Generated files are pinned by sha256 too, so every machine validates against byte-for-byte the same
# schemas (the CloudNativePG ones are byte-identical to the CRDs that project publishes, config/crd/bases). Idempotent: nothing is fetched or generated when every file is there with its pinned sum.
# Prints one line: the schema directory.
#
# To move to a newer version: change it below, run with PRINT_SUMS=1 to see the new sums, pin them.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/.tools/k8s-schemas"
die() { echo "ensure-k8s-schemas.sh: $*" >&2; exit 1; }
sha_of() { sha256sum "$1" | cut -d' ' -f1; }

# The Kubernetes version the manifests are checked against; the wheel bundles the API of 1.25 to 1.37,
# so this can follow the clusters the chart is meant for
KUBE_VERSION=1.34.0
KV_VERSION=1.37.0
KV_WHEEL=kubernetes_validate-$KV_VERSION-py3-none-any.whl
KV_SHA256=85136d018a27b50ec7fc049d902bfa5193f5976807e6c0f408e3ab6fe078cad9

CNPG_MODULE=github.com/cloudnative-pg/cloudnative-pg
CNPG_VERSION=v1.30.0
CNPG_SUM=h1:fnhVq44xXx97MNiuvJsPrX1vSjYbgdyBK5MSGfdHdp0=
MONITORING_MODULE=github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring
MONITORING_VERSION=v0.95.2
MONITORING_SUM=h1:DQKGQhE39ua9V+ZCro38z32jP8nAtIZ27f3qdAorXHg=

STRIMZI_VERSION=0.45.0
# artifact | sha256 of the jar
STRIMZI_JARS=(
  "api|7112a02ebf29d38b2eb2ad8da90353d2a3922aea2fe2bddc2abe4e5956fdfe9a"
  "crd-generator|f03aab1b83d29bbd340ce484a4bb651faac7685c685865a30351a636da6008ea"
  "crd-annotations|a0f4e6cf97f07a64665397b5202e12ef1a5fd76d36f5c089eb085759b1cf2cce"
)

# Every file this script leaves, with its sha256 (generated files included: generation is deterministic)
PINNED=(
  "crds/postgresql.cnpg.io_clusters.yaml|ae47f4a00f6e998faef57e480f9a3960cd48ea16a79270861fc7442601507472"
  "crds/postgresql.cnpg.io_poolers.yaml|9e0dad05355f72dceb154a12b43ebe8a410d470133ad228bf711c1fdee221124"
  "crds/monitoring.coreos.com_servicemonitors.yaml|bb03c5e1e1d93523f7b249d2cf035c85fc9ba5cc79cfbc401ef5bbc73f89d5fd"
  "crds/kafka.strimzi.io_kafkas.yaml|396fec12840ccebbb9726442b9735a2d8938cec195ee0157efa13cb989e9e5a4"
  "crds/kafka.strimzi.io_kafkanodepools.yaml|da217d6584f9460b58513a4e0678f549798b85825376f5cdcfb27718e76acfd9"
  "crds/kafka.strimzi.io_kafkatopics.yaml|b6ef3c460eb018c63a37c662ef4251ccd03d321ba3a6ae27c7e0e6a94eb63395"
)

intact() {
  [[ -f "$DEST/kubernetes/v$KUBE_VERSION/_definitions.json" && -f "$DEST/kubernetes/$KV_WHEEL.sha256" ]] || return 1
  [[ "$(cat "$DEST/kubernetes/$KV_WHEEL.sha256")" == "$KV_SHA256" ]] || return 1
  local row file sum
  for row in "${PINNED[@]}"; do
    IFS='|' read -r file sum <<<"$row"
    [[ -n "$sum" && -f "$DEST/$file" && "$(sha_of "$DEST/$file")" == "$sum" ]] || return 1
  done
}
if [[ -z "${PRINT_SUMS:-}" ]] && intact; then
  echo "$DEST"
  exit 0
fi
mkdir -p "$ROOT/.tools"
exec 9>"$ROOT/.tools/.k8s-schemas.lock"
flock 9 # another run may be generating right now: wait for it, then use its result
if [[ -z "${PRINT_SUMS:-}" ]] && intact; then
  echo "$DEST"
  exit 0
fi

# what the fetching and generating below runs on: Debian packages when missing
# shellcheck source=scripts/lib/apt-install.sh
source "$ROOT/scripts/lib/apt-install.sh"
python3 -m pip --version >/dev/null 2>&1 || apt_install python3-pip || die "python3 with pip is needed"
command -v mvn >/dev/null 2>&1 || apt_install maven || die "Maven is needed"
command -v java >/dev/null 2>&1 || apt_install openjdk-17-jre-headless || die "Java 17+ is needed"

tmp="$(mktemp -d)"
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
mkdir -p "$tmp/out/crds" "$tmp/out/kubernetes"

# ---- Kubernetes API schemas from PyPI ----------------------------------------------------------------
python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "$tmp/wheel" \
  "kubernetes-validate==$KV_VERSION" || die "pip download kubernetes-validate==$KV_VERSION failed"
got="$(sha_of "$tmp/wheel/$KV_WHEEL")"
[[ "$got" == "$KV_SHA256" ]] || die "$KV_WHEEL has sha256 $got, expected $KV_SHA256: not using it"
# The package resolves "$ref": "/api/_definitions.json#..." through its own registry, against "$id"s on
# kubernetes.io. kubeconform loads schemas from files only: drop the "$id"s and point the references at
# the _definitions.json beside each file, so every reference resolves on disk.
python3 - "$tmp/wheel/$KV_WHEEL" "$tmp/out/kubernetes/v$KUBE_VERSION" "v$KUBE_VERSION-local-strict" <<'PY'
import json, os, sys, zipfile
wheel, out, folder = sys.argv[1:]
prefix = f"kubernetes_validate/kubernetes-json-schema/{folder}/"
with zipfile.ZipFile(wheel) as z:
    names = [n for n in z.namelist() if n.startswith(prefix) and n.endswith(".json")]
    if not names:
        sys.exit(f"{wheel} has no {prefix}")
    os.makedirs(out, exist_ok=True)
    for n in sorted(names):
        schema = json.loads(z.read(n))
        schema.pop("$id", None)
        text = json.dumps(schema, sort_keys=True).replace('"/api/_definitions.json#', '"_definitions.json#')
        with open(os.path.join(out, n[len(prefix):]), "w") as f:
            f.write(text)
PY
echo "$KV_SHA256" >"$tmp/out/kubernetes/$KV_WHEEL.sha256"

# ---- CRDs from Go API types with controller-gen --------------------------------------------------------
controller_gen="$("$ROOT/scripts/ensure-k8s-tools.sh" controller-gen | awk '{print $3}')"
# module path, version, checksum, package pattern inside the module
from_go_types() {
  local module=$1 version=$2 sum=$3 paths=$4 json got dir
  json="$(cd "$tmp" && go mod download -json "$module@$version" 2>&1)" || die "go mod download $module@$version failed: $json"
  got="$(sed -n 's/^[[:space:]]*"Sum": "\(.*\)",\{0,1\}$/\1/p' <<<"$json" | head -1)"
  [[ "$got" == "$sum" ]] || die "$module@$version has checksum '$got', expected $sum: not using it"
  dir="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' <<<"$json" | head -1)"
  # the module cache is read-only; the go command may need to write next to go.mod
  local work="$tmp/src/${module//\//_}"
  mkdir -p "$work" && cp -R "$dir/." "$work" && chmod -R u+w "$work"
  (cd "$work" && "$controller_gen" crd paths="$paths" output:crd:artifacts:config="$tmp/out/crds") \
    || die "controller-gen failed on $module@$version ($paths)"
}
from_go_types "$CNPG_MODULE" "$CNPG_VERSION" "$CNPG_SUM" ./api/...
from_go_types "$MONITORING_MODULE" "$MONITORING_VERSION" "$MONITORING_SUM" ./v1/...

# ---- Strimzi CRDs from io.strimzi:api with io.strimzi:crd-generator (Maven Central) ------------------
classpath=()
for row in "${STRIMZI_JARS[@]}"; do
  IFS='|' read -r artifact sum <<<"$row"
  mvn --batch-mode --quiet dependency:copy -Dartifact="io.strimzi:$artifact:$STRIMZI_VERSION" \
    -DoutputDirectory="$tmp/jars" -Dstyle.color=never >"$tmp/mvn.log" 2>&1 \
    || die "mvn could not fetch io.strimzi:$artifact:$STRIMZI_VERSION: $(cat "$tmp/mvn.log")"
  jar="$tmp/jars/$artifact-$STRIMZI_VERSION.jar"
  got="$(sha_of "$jar")"
  [[ "$got" == "$sum" ]] || die "io.strimzi:$artifact:$STRIMZI_VERSION has sha256 $got, expected $sum: not using it"
  classpath+=("$jar")
done
strimzi() { # api versions, then class=file pairs
  local versions=$1
  shift
  java -cp "$(IFS=:; echo "${classpath[*]}")" io.strimzi.crdgenerator.CrdGenerator \
    --label app:strimzi --label strimzi.io/crd-install:true --target-kube 1.16+ --crd-api-version v1 \
    --api-versions "$versions" --storage-version v1beta2 --yaml "$@" 2>"$tmp/strimzi.log" \
    || die "io.strimzi:crd-generator failed: $(cat "$tmp/strimzi.log")"
}
m=io.strimzi.api.kafka.model
strimzi v1beta2 "$m.kafka.Kafka=$tmp/out/crds/kafka.strimzi.io_kafkas.yaml" \
  "$m.nodepool.KafkaNodePool=$tmp/out/crds/kafka.strimzi.io_kafkanodepools.yaml"
strimzi v1alpha1,v1beta1,v1beta2 "$m.topic.KafkaTopic=$tmp/out/crds/kafka.strimzi.io_kafkatopics.yaml"

# ---- check every pinned file, then put the set in place ------------------------------------------------
failed=
for row in "${PINNED[@]}"; do
  IFS='|' read -r file sum <<<"$row"
  [[ -f "$tmp/out/$file" ]] || die "$file was not generated"
  got="$(sha_of "$tmp/out/$file")"
  if [[ -n "${PRINT_SUMS:-}" ]]; then
    echo "  \"$file|$got\"" >&2
  elif [[ "$got" != "$sum" ]]; then
    echo "ensure-k8s-schemas.sh: $file has sha256 $got, expected ${sum:-(none pinned)}" >&2
    failed=1
  fi
done
[[ -z "${PRINT_SUMS:-}" ]] || die "PRINT_SUMS: sums printed above, nothing installed"
[[ -z "$failed" ]] || die "generated schemas differ from the pinned ones: not using them"
rm -rf "$DEST"
mkdir -p "$(dirname "$DEST")"
mv "$tmp/out" "$DEST"
echo "$DEST"
