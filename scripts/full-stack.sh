#!/usr/bin/env bash
# full-stack.sh — the full stack, in Docker when a Docker engine answers, else natively
# (`just up`, `just down`, `just ps`, `just logs`).
#
#   full-stack.sh up      docker: docker compose up -d --wait --build   native: scripts/stack.sh up
#   full-stack.sh down    docker: docker compose down (volumes stay)     native: scripts/stack.sh down
#   full-stack.sh ps      docker: docker compose ps                      native: scripts/stack.sh status
#   full-stack.sh logs    docker: docker compose logs -f                 native: tail -F $STACK_DIR/logs/*.log
#   full-stack.sh which [up|down|ps|logs]   print the mode that command would use (docker or native), run nothing
#
# The mode: STACK_MODE=docker|native forces it. Otherwise `up` picks docker when `docker info` succeeds
# within DOCKER_PROBE_TIMEOUT seconds [5] (an engine answers, not just a CLI installed) and
# `docker compose` exists, native otherwise. `up` remembers its mode in $STACK_DIR/full-stack.mode, and
# down/ps/logs follow that, so a stack started natively is stopped natively even if Docker came up
# meanwhile (and the other way round); `down` forgets it.
# STACK_DIR [.run]: where the native stack keeps everything (scripts/stack.sh), so also this file.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
RUN="${STACK_DIR:-.run}"
MODE_FILE="$RUN/full-stack.mode"

die() { echo "full-stack.sh: $*" >&2; exit 2; }

# docker when an engine answers and compose is there; a slow or absent engine means native
detect() {
  command -v docker >/dev/null 2>&1 || { echo native; return; }
  local probe=(docker info)
  # a daemon that hangs must not hang `just up`; `timeout` is coreutils (not on stock macOS: no limit there)
  if command -v timeout >/dev/null 2>&1; then probe=(timeout "${DOCKER_PROBE_TIMEOUT:-5}" docker info); fi
  if ! "${probe[@]}" >/dev/null 2>&1; then echo native; return; fi
  if ! docker compose version >/dev/null 2>&1; then
    echo "full-stack.sh: a Docker engine answers but 'docker compose' is missing: using the native stack" >&2
    echo native; return
  fi
  echo docker
}

mode_for() { # command — the mode it runs in
  case "${STACK_MODE:-}" in
    docker | native) echo "$STACK_MODE"; return ;;
    "") ;;
    *) die "STACK_MODE must be docker or native, got '$STACK_MODE'" ;;
  esac
  if [[ "$1" != up && -f "$MODE_FILE" ]]; then
    local saved; saved="$(cat "$MODE_FILE")"
    if [[ "$saved" == docker || "$saved" == native ]]; then echo "$saved"; return; fi
  fi
  detect
}

remember() { mkdir -p "$(dirname "$MODE_FILE")"; echo "$1" >"$MODE_FILE"; }

cmd="${1:-}"
case "$cmd" in
  which)
    sub="${2:-up}"
    [[ "$sub" =~ ^(up|down|ps|logs)$ ]] || die "usage: $0 which [up|down|ps|logs]"
    mode_for "$sub"
    ;;
  up)
    mode="$(mode_for up)"
    echo "full-stack.sh: $mode mode"
    remember "$mode"
    if [[ "$mode" == docker ]]; then
      # --build: the app image follows the working tree; --wait: return once every healthcheck passes
      t0=$(date +%s)
      docker compose up -d --wait --build
      echo "stack up in Docker in $(($(date +%s) - t0)) s: cart :8080, products :8082, loms :8084/:8085 (Swagger UI at /docs on each)," \
        "notifiers :8086-8088, Kafka UI :8090, Jaeger :16686, Prometheus :9090, Grafana :3000 (all on 127.0.0.1)"
    else
      scripts/stack.sh up
    fi
    ;;
  down)
    mode="$(mode_for down)"
    if [[ "$mode" == docker ]]; then docker compose down; else scripts/stack.sh down; fi
    rm -f "$MODE_FILE"
    ;;
  ps)
    if [[ "$(mode_for ps)" == docker ]]; then docker compose ps; else scripts/stack.sh status; fi
    ;;
  logs)
    if [[ "$(mode_for logs)" == docker ]]; then
      docker compose logs -f --tail 50
    else
      tail -n 50 -F "$RUN"/logs/*.log
    fi
    ;;
  *) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 2 ;;
esac
