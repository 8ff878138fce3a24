#!/usr/bin/env bash
# Installs Prometheus (Debian package prometheus) when /usr/bin/prometheus is missing. Idempotent.
# scripts/prometheus-local.sh runs the stack's own Prometheus; the system-wide service the package
# starts is stopped and never used (--no-install-recommends: no node exporter either).
exec "$(dirname "${BASH_SOURCE[0]}")/ensure-deb.sh" prometheus /usr/bin/prometheus
