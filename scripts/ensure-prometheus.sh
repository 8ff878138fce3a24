#!/usr/bin/env bash
# Installs Prometheus (Debian package prometheus) when /usr/bin/prometheus is missing. Idempotent: does
# nothing when present. scripts/prometheus-local.sh runs the stack's own Prometheus; the system-wide
# service the package starts (and the node exporter it recommends) is not installed or is stopped.
set -euo pipefail
if [ -x /usr/bin/prometheus ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
command -v apt-get >/dev/null 2>&1 || {
  echo "ensure-prometheus.sh: /usr/bin/prometheus is missing and this is no Debian/Ubuntu machine: install Prometheus yourself" >&2
  exit 1
}
echo "installing prometheus (Debian package)..."
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends prometheus >/dev/null
$SUDO service prometheus stop >/dev/null 2>&1 || true
[ -x /usr/bin/prometheus ] || { echo "ensure-prometheus.sh: /usr/bin/prometheus still missing after install" >&2; exit 1; }
