#!/usr/bin/env bash
# kafka-local.sh — a real Apache Kafka 4.x broker without Docker, for `just infra` and the integration tests:
# one JVM that is both broker and KRaft controller, on 127.0.0.1 only, jars from scripts/ensure-kafka.sh.
#
# Usage:
#   kafka-local.sh start          # format once, start in the background, wait until ready, create the topics;
#                                 # no-op (but topics still checked) when it already runs
#   kafka-local.sh stop           # SIGTERM (controlled shutdown), wait; no-op when stopped
#   kafka-local.sh status         # running / stopped; exit 3 when not running
#   kafka-local.sh reset          # stop, then delete every message, offset and the cluster id (DATA_DIR)
#   kafka-local.sh create-topics  # create loms.order-events (2 partitions) and payments (2) when missing
#   kafka-local.sh url            # print KAFKA_BOOTSTRAP=127.0.0.1:PORT
#
# Environment knobs (defaults in brackets):
#   DATA_DIR [<repo>/.run/kafka]  everything of this broker: data/ (log.dirs), conf/, kafka.out, kafka.pid
#   KAFKA_PORT [9092]             client listener (PLAINTEXT)    } saved in DATA_DIR/kafka.env when the data
#   CONTROLLER_PORT [9093]        KRaft controller listener      } dir is formatted; later runs use those
#   KAFKA_HEAP_OPTS [-Xms256m -Xmx768m]
#   KAFKA_JIT [full]              c1 = C1 compiler only (-XX:TieredStopAtLevel=1): starts ~2 s sooner, slower
#                                 at full load; what the tests use (testkit/src/kafka.ts)
#   KAFKA_START_TIMEOUT [90]      seconds to wait for readiness; KAFKA_STOP_TIMEOUT [60]: for the exit
#   KAFKA_OWNER_PID               (tests) stop the broker with SIGKILL once this process is gone
#   JAVA_HOME                     else `java` on PATH (17+)
# Config: scripts/kafka/server.properties and log4j2.properties, copied to DATA_DIR/conf on every start.
# Ready = the log says "Kafka Server started" and the client port accepts TCP; then the topics are created
# with scripts/kafka/create-topics.ts (bun + @platformatic/kafka), which waits until every partition has a leader.
set -euo pipefail

CMD="${1:-}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="$(realpath -m "${DATA_DIR:-$ROOT/.run/kafka}")"
LIB="$ROOT/.tools/kafka/lib"
TEMPLATES="$ROOT/scripts/kafka"
CONF="$DIR/conf"; DATA="$DIR/data"; OUT="$DIR/kafka.out"; PIDFILE="$DIR/kafka.pid"; ENVFILE="$DIR/kafka.env"
HEAP="${KAFKA_HEAP_OPTS:--Xms256m -Xmx768m}"
# Kafka's own (bin/kafka-run-class.sh) JVM options, minus -server, plus a hard exit on OOM
PERF="${KAFKA_JVM_PERFORMANCE_OPTS:--XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true}"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-60}"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
say() { echo "[$(date +%H:%M:%S.%3N)] kafka: $*"; }
die() { echo "kafka-local.sh: $*" >&2; exit 1; }
[[ "$DIR" != / ]] || die "refusing to use / as DATA_DIR"
case "${KAFKA_JIT:-full}" in
  full) ;;
  c1) PERF+=" -XX:TieredStopAtLevel=1" ;; # start-up ~5.3 s -> ~3.4 s on 2 cores, less peak throughput
  *) die "KAFKA_JIT must be full or c1, got '$KAFKA_JIT'" ;;
esac

# ---- ports: fixed once the data dir is formatted (kafka.env), like pg-cluster.sh's cluster.env -------------
declare -A SAVED=()
if [[ -f "$ENVFILE" ]]; then
  while IFS='=' read -r k v; do
    case "$k" in KAFKA_PORT | CONTROLLER_PORT | CLUSTER_ID) SAVED[$k]=$v ;; esac
  done <"$ENVFILE"
fi
for k in KAFKA_PORT CONTROLLER_PORT; do
  if [[ -n "${SAVED[$k]:-}" ]]; then
    if [[ -n "${!k:-}" && "${!k}" != "${SAVED[$k]}" ]]; then
      die "the broker in $DIR was created with $k=${SAVED[$k]} (you asked for $k=${!k}): unset $k, or 'reset' it first"
    fi
    printf -v "$k" '%s' "${SAVED[$k]}"
  fi
done
KAFKA_PORT="${KAFKA_PORT:-9092}"
CONTROLLER_PORT="${CONTROLLER_PORT:-9093}"
for k in KAFKA_PORT CONTROLLER_PORT; do
  if ! [[ "${!k}" =~ ^[1-9][0-9]{0,4}$ ]] || ((${!k} > 65535)); then die "$k must be a port number, got '${!k}'"; fi
done
[[ "$KAFKA_PORT" != "$CONTROLLER_PORT" ]] || die "KAFKA_PORT and CONTROLLER_PORT must differ"
BOOTSTRAP="127.0.0.1:$KAFKA_PORT"

# ---- helpers -------------------------------------------------------------------------------------------
pid_alive() { # the pid in PIDFILE is a live broker of this DATA_DIR
  [[ -f "$PIDFILE" ]] || return 1
  local pid; pid="$(cat "$PIDFILE")"
  [[ "$pid" =~ ^[0-9]+$ ]] && running "$pid" \
    && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "kafka.Kafka $CONF/server.properties"
}
running() { # pid — alive and not a zombie (a container's pid 1 may never reap it)
  kill -0 "$1" 2>/dev/null || return 1
  local stat; stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"; [[ "${stat:0:1}" != Z ]]
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

need_runtime() {
  command -v "$JAVA" >/dev/null 2>&1 || die "no java ($JAVA): Kafka 4.x needs Java 17+; run scripts/ensure-kafka.sh"
  compgen -G "$LIB/kafka_2.13-*.jar" >/dev/null || die "no Kafka jars in $LIB: run scripts/ensure-kafka.sh"
}

bun_bin() {
  if [[ -n "${BUN:-}" ]]; then echo "$BUN"
  elif [[ -x "$ROOT/node_modules/.bin/bun" ]]; then echo "$ROOT/node_modules/.bin/bun"
  else command -v bun || die "bun not found (npm ci installs it into node_modules/.bin)"
  fi
}

write_conf() { # conf/ from the templates and the knobs (on every start: the templates are the truth)
  mkdir -p "$CONF"
  local t; t="$(mktemp "$CONF/.server.properties.XXXXXX")"
  local dirs="${DATA//\\/\\\\}"; dirs="${dirs//|/\\|}"; dirs="${dirs//&/\\&}" # literal in sed's replacement
  sed -e "s|@KAFKA_PORT@|$KAFKA_PORT|g" -e "s|@CONTROLLER_PORT@|$CONTROLLER_PORT|g" \
      -e "s|@LOG_DIRS@|$dirs|g" "$TEMPLATES/server.properties" >"$t"
  ! grep -q '@[A-Z_]*@' "$t" || { rm -f "$t"; die "unreplaced placeholder in $TEMPLATES/server.properties"; }
  mv "$t" "$CONF/server.properties"
  cp "$TEMPLATES/log4j2.properties" "$CONF/log4j2.properties"
}

random_cluster_id() { # what `kafka-storage.sh random-uuid` prints: 16 random bytes, base64url, no padding
  local id
  for _ in 1 2 3 4 5 6 7 8; do
    id="$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
    [[ "$id" != -* ]] && { echo "$id"; return; } # a leading '-' would be read as an option (Kafka avoids it too)
  done
  die "could not generate a cluster id"
}

format_once() {
  [[ -f "$DATA/meta.properties" ]] && return 0
  local t0 cid; t0=$(date +%s%N); cid="${SAVED[CLUSTER_ID]:-$(random_cluster_id)}"
  rm -rf "$DATA"; mkdir -p "$DATA"
  printf '# kafka-local.sh: fixed when the data dir was formatted; to change them: reset\nKAFKA_PORT=%s\nCONTROLLER_PORT=%s\nCLUSTER_ID=%s\n' \
    "$KAFKA_PORT" "$CONTROLLER_PORT" "$cid" >"$ENVFILE"
  if ! "$JAVA" -Xmx256m -XX:TieredStopAtLevel=1 -Dlog4j2.configurationFile="$CONF/log4j2.properties" -Dkafka.logs.dir="$DIR" \
      -cp "$LIB/*" kafka.tools.StorageTool format -t "$cid" -c "$CONF/server.properties" >"$DIR/format.log" 2>&1; then
    echo "---- $DIR/format.log" >&2; grep -vE '^\s' "$DIR/format.log" | tail -30 >&2
    rm -rf "$DATA"
    die "formatting the KRaft storage in $DATA failed"
  fi
  say "formatted $DATA (cluster id $cid, KRaft single node) in $(ms_since "$t0") ms"
}

rotate_out() { # keep one previous kafka.out once it passes 20 MB
  if [[ -f "$OUT" ]] && (($(stat -c %s "$OUT") > 20 * 1024 * 1024)); then mv -f "$OUT" "$OUT.1"; fi
}

launch() { # start the JVM detached (own session: no terminal signal reaches it), record its pid
  rm -f "$PIDFILE"
  # shellcheck disable=SC2086,SC2016 # HEAP and PERF are lists of options; $$ and $1 belong to the inner bash
  setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' kafka-launch "$PIDFILE" \
    "$JAVA" $HEAP $PERF -Dlog4j2.configurationFile="$CONF/log4j2.properties" -Dkafka.logs.dir="$DIR" \
    -cp "$LIB/*" kafka.Kafka "$CONF/server.properties" \
    >>"$OUT" 2>&1 </dev/null 9>&- &
  local k
  for ((k = 0; k < 100; k++)); do [[ -s "$PIDFILE" ]] && return 0; sleep 0.02; done
  die "the JVM did not start (no pid in $PIDFILE)"
}

watch_owner() { # KAFKA_OWNER_PID: a throwaway test broker must not outlive the test process
  [[ -n "${KAFKA_OWNER_PID:-}" ]] || return 0
  [[ "$KAFKA_OWNER_PID" =~ ^[0-9]+$ ]] || die "KAFKA_OWNER_PID must be a pid, got '$KAFKA_OWNER_PID'"
  local pid; pid="$(cat "$PIDFILE")"
  # shellcheck disable=SC2016 # $1 and $2 belong to the inner bash
  setsid bash -c 'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done
                  kill -0 "$2" 2>/dev/null && kill -KILL "$2"' kafka-watch "$KAFKA_OWNER_PID" "$pid" \
    >/dev/null 2>&1 </dev/null 9>&- &
}

is_ours_or_empty() { [[ ! -e "$DIR" || -f "$ENVFILE" || -z "$(ls -A "$DIR" 2>/dev/null)" ]]; }

cmd_start() {
  need_runtime
  is_ours_or_empty || die "$DIR is not empty and holds no kafka.env: not a kafka-local.sh data dir, refusing to use it"
  mkdir -p "$DIR"
  exec 9>"$DIR/.lock"; flock 9 # one start/stop at a time per data dir (fd 9 is closed for the JVM)
  if pid_alive; then
    local k # started by a run that was interrupted while it waited, say: give it the start-up time
    for ((k = 0; k < START_TIMEOUT * 10; k++)); do port_open "$KAFKA_PORT" && break; pid_alive || break; sleep 0.1; done
    pid_alive || die "the broker (pid $(cat "$PIDFILE" 2>/dev/null)) exited during start-up; see $OUT"
    port_open "$KAFKA_PORT" \
      || die "the broker (pid $(cat "$PIDFILE")) runs but does not accept connections on $BOOTSTRAP; see $OUT"
    say "already running on $BOOTSTRAP (pid $(cat "$PIDFILE"), data in $DIR)"
    cmd_create_topics
    return 0
  fi
  for p in "$KAFKA_PORT" "$CONTROLLER_PORT"; do
    port_open "$p" && die "127.0.0.1:$p is taken by another process (another broker? set KAFKA_PORT/CONTROLLER_PORT, or another DATA_DIR)"
  done
  write_conf
  format_once
  rotate_out
  local from=0; [[ -f "$OUT" ]] && from=$(stat -c %s "$OUT")
  echo "==== $(date -Is) kafka-local.sh start" >>"$OUT"
  local t0; t0=$(date +%s%N)
  launch
  watch_owner
  local pid; pid="$(cat "$PIDFILE")"
  local deadline=$(($(date +%s) + START_TIMEOUT))
  while :; do
    if tail -c +"$((from + 1))" "$OUT" | grep -q 'Kafka Server started' && port_open "$KAFKA_PORT"; then break; fi
    if ! running "$pid"; then
      echo "---- tail of $OUT" >&2; tail -c +"$((from + 1))" "$OUT" | grep -vE '^\s' | tail -40 >&2
      die "the broker exited during start-up"
    fi
    if (($(date +%s) > deadline)); then
      echo "---- tail of $OUT" >&2; tail -c +"$((from + 1))" "$OUT" | grep -vE '^\s' | tail -40 >&2
      kill -TERM "$pid" 2>/dev/null || true
      die "the broker was not ready on $BOOTSTRAP within ${START_TIMEOUT} s (sent SIGTERM to pid $pid)"
    fi
    sleep 0.1
  done
  say "started on $BOOTSTRAP in $(ms_since "$t0") ms (pid $pid, $(kafka_version), data in $DIR)"
  cmd_create_topics
}

kafka_version() { local j; j="$(compgen -G "$LIB/kafka_2.13-*.jar" | head -1)"; j="${j##*/kafka_2.13-}"; echo "Kafka ${j%.jar}"; }

cmd_stop() {
  mkdir -p "$DIR"
  exec 9>"$DIR/.lock"; flock 9
  if ! pid_alive; then say "not running (nothing to stop)"; rm -f "$PIDFILE"; return 0; fi
  local pid t0; pid="$(cat "$PIDFILE")"; t0=$(date +%s%N)
  kill -TERM "$pid"
  local deadline=$(($(date +%s) + STOP_TIMEOUT))
  while running "$pid"; do
    if (($(date +%s) > deadline)); then
      kill -KILL "$pid" 2>/dev/null || true
      echo "kafka-local.sh: the broker (pid $pid) was still running ${STOP_TIMEOUT} s after SIGTERM: killed (SIGKILL); see $OUT" >&2
      break
    fi
    sleep 0.05
  done
  rm -f "$PIDFILE"
  say "stopped in $(ms_since "$t0") ms (pid $pid)"
}

cmd_status() {
  if pid_alive && port_open "$KAFKA_PORT"; then
    local pid rss; pid="$(cat "$PIDFILE")"; rss="$(awk '/^VmRSS/ { printf "%d MB", $2 / 1024 }' "/proc/$pid/status" 2>/dev/null)"
    echo "kafka  $BOOTSTRAP  running (pid $pid, RSS ${rss:-?}, $(kafka_version), controller :$CONTROLLER_PORT, dir $DIR)"
  elif pid_alive; then
    echo "kafka  $BOOTSTRAP  STARTING (pid $(cat "$PIDFILE"), not accepting connections yet, dir $DIR)"; return 3
  else
    echo "kafka  $BOOTSTRAP  STOPPED (dir $DIR)"; return 3
  fi
}

cmd_reset() {
  is_ours_or_empty || die "$DIR holds no kafka.env: not a kafka-local.sh data dir, refusing to delete it"
  cmd_stop
  rm -rf "$DIR"
  say "reset: removed $DIR (messages, offsets, cluster id)"
}

cmd_create_topics() {
  pid_alive || die "no broker running for $DIR: start it first"
  "$(bun_bin)" "$TEMPLATES/create-topics.ts" "$BOOTSTRAP"
}

case "$CMD" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  reset) cmd_reset ;;
  create-topics) cmd_create_topics ;;
  url) echo "KAFKA_BOOTSTRAP=$BOOTSTRAP" ;;
  *) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 2 ;;
esac
