#!/usr/bin/env bash
# Installs schemathesis (the OpenAPI fuzzer of deploy/test/openapi-fuzz.test.ts) into <repo>/.tools/schemathesis,
# a Python virtual environment ignored by git, when it is missing or not the pinned version. Needs Python >= 3.10;
# its venv module comes from Debian (python3-venv) when missing; packages come from PyPI. Idempotent; prints the
# installed version.
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
  if [ ! -x "$venv/bin/python" ]; then
    if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
      if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
      echo "ensure-schemathesis: installing python3-venv (Debian package)..." >&2
      $SUDO apt-get update -qq
      DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
    fi
    rm -rf "$venv" # a half-made environment from an interrupted run
    python3 -m venv "$venv"
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
