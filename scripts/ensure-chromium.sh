#!/usr/bin/env bash
# Installs Debian's Chromium (package chromium) when /usr/bin/chromium is missing, for the Swagger UI
# browser test (playwright-core drives it; no browser is downloaded by npm). Idempotent: does nothing
# when present. Fonts come with the package's dependencies, so screenshots show text.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
command -v apt-get >/dev/null 2>&1 || {
  echo "ensure-chromium.sh: /usr/bin/chromium is missing and this is no Debian/Ubuntu machine: install Chromium yourself" >&2
  exit 1
}
echo "installing chromium (Debian package)..."
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
[ -x /usr/bin/chromium ] || { echo "ensure-chromium.sh: /usr/bin/chromium still missing after install" >&2; exit 1; }
