#!/usr/bin/env bash
# Installs schemathesis (the OpenAPI fuzzer run by platform/test/fuzz) into <repo>/.tools/schemathesis, a
# Python virtual environment ignored by git, when it is missing or not the pinned version. Needs Python >= 3.10
# with venv (Debian: python3-venv); packages come from PyPI. Idempotent; prints the installed version.
set -euo pipefail
SCHEMATHESIS_VERSION=4.32.5
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv="$repo/.tools/schemathesis"
bin="$venv/bin/schemathesis"

current=$("$bin" --version 2>/dev/null | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' || true)
if [ "$current" != "$SCHEMATHESIS_VERSION" ]; then
  if ! command -v python3 >/dev/null 2>&1; then
    echo "ensure-schemathesis: 'python3' is not on PATH; schemathesis needs Python >= 3.10" >&2
    exit 1
  fi
  if [ ! -x "$venv/bin/python" ] && ! python3 -m venv "$venv"; then
    echo "ensure-schemathesis: 'python3 -m venv' failed; on Debian install python3-venv (apt-get install python3-venv)" >&2
    exit 1
  fi
  echo "ensure-schemathesis: installing schemathesis $SCHEMATHESIS_VERSION into .tools/schemathesis (pip, PyPI)..." >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
  current=$("$bin" --version | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' || true)
  if [ "$current" != "$SCHEMATHESIS_VERSION" ]; then
    echo "ensure-schemathesis: expected schemathesis $SCHEMATHESIS_VERSION, got '$current'" >&2
    exit 1
  fi
fi
echo "schemathesis $current"
