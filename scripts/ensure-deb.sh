#!/usr/bin/env bash
# ensure-deb.sh PACKAGE PROGRAM — installs the Debian package PACKAGE when PROGRAM (an absolute path)
# is missing; does nothing when it is there. The project runs its own instances of every server it
# installs this way (scripts/*-local.sh), so a system service the package starts is stopped again.
# Root runs apt-get itself, anyone else through sudo. Used by the ensure-<name>.sh scripts.
set -euo pipefail
PACKAGE="${1:?usage: ensure-deb.sh PACKAGE PROGRAM}"
PROGRAM="${2:?usage: ensure-deb.sh PACKAGE PROGRAM}"
if [ -x "$PROGRAM" ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
command -v apt-get >/dev/null 2>&1 || {
  echo "ensure-deb.sh: $PROGRAM is missing and this is no Debian/Ubuntu machine: install $PACKAGE yourself" >&2
  exit 1
}
echo "installing $PACKAGE (Debian package)..."
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$PACKAGE" >/dev/null
$SUDO service "$PACKAGE" stop >/dev/null 2>&1 || true
[ -x "$PROGRAM" ] || { echo "ensure-deb.sh: $PROGRAM still missing after installing $PACKAGE" >&2; exit 1; }
