#!/usr/bin/env bash
# ensure-kafka.sh — the jars of the local Apache Kafka broker (scripts/kafka-local.sh, `just infra`, the
# Kafka integration tests) in <repo>/.tools/kafka/lib (ignored by git; never commit jars).
#
# Fetched from Maven Central with Maven: the broker artifact org.apache.kafka:kafka_2.13 and its runtime
# dependencies plus the slf4j → log4j2 binding, as pinned in scripts/kafka/pom.xml (the only place the
# versions live). Idempotent: does nothing when the jars of that very pom are there (stamp file
# .tools/kafka/lib/.stamp holds the Kafka version and the pom's sha256); re-fetches when the pom changes.
# A fetch goes to a temporary folder that replaces lib/ only once complete, under a lock (concurrent
# runs wait for each other). Maven keeps its own cache in ~/.m2, so a re-fetch is mostly a copy.
# Needs Java 17+ (Kafka 4.x) and Maven: installs the Debian packages openjdk-17-jre-headless / maven
# when they are missing. Fails loudly, with Maven's output, when Maven cannot fetch.
# Prints one line: the Kafka version and where its jars are.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
POM="$ROOT/scripts/kafka/pom.xml"
HOME_DIR="$ROOT/.tools/kafka"
LIB="$HOME_DIR/lib"
die() { echo "ensure-kafka.sh: $*" >&2; exit 1; }

[[ -f "$POM" ]] || die "$POM is missing"
VERSION="$(sed -n 's:.*<kafka.version>\([^<]*\)</kafka.version>.*:\1:p' "$POM" | head -1)"
[[ "$VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "no <kafka.version> in $POM"
WANT="kafka $VERSION pom $(sha256sum "$POM" | cut -d' ' -f1)"

present() { [[ -f "$LIB/.stamp" && "$(cat "$LIB/.stamp")" == "$WANT" && -f "$LIB/kafka_2.13-$VERSION.jar" ]]; }
java_major() { # major version of the java on PATH (or JAVA_HOME), empty when there is none
  local java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
  command -v "$java" >/dev/null 2>&1 || return 0
  "$java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p'
}
apt_install() { # package — what ensure-redis.sh does: the Debian package, quietly
  command -v apt-get >/dev/null 2>&1 || die "$1 is needed and this is no Debian/Ubuntu machine: install it yourself"
  local sudo=; [[ "$(id -u)" -eq 0 ]] || sudo=sudo
  echo "ensure-kafka.sh: installing $1 (Debian package)..." >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$1" >/dev/null
}

# the broker runs on Java 17+: checked on every call, even when the jars are already there
major="$(java_major)"
if [[ -z "$major" || "$major" -lt 17 ]]; then
  [[ -n "${JAVA_HOME:-}" ]] && die "JAVA_HOME=$JAVA_HOME has no Java 17+ (found '${major:-none}'); Kafka $VERSION needs Java 17 or newer"
  apt_install openjdk-17-jre-headless
  major="$(java_major)"
  [[ -n "$major" && "$major" -ge 17 ]] || die "Java 17+ still not on PATH after installing openjdk-17-jre-headless (found '${major:-none}')"
fi

if present; then echo "kafka $VERSION (${LIB#"$ROOT"/})"; exit 0; fi

mkdir -p "$HOME_DIR"
exec 9>"$HOME_DIR/.lock"
flock 9                                  # another run may be fetching right now: wait for it
if present; then echo "kafka $VERSION (${LIB#"$ROOT"/})"; exit 0; fi

command -v mvn >/dev/null 2>&1 || apt_install maven
command -v mvn >/dev/null 2>&1 || die "mvn still not on PATH after installing maven"

echo "ensure-kafka.sh: fetching Apache Kafka $VERSION (kafka_2.13 + log4j2) from Maven Central into ${LIB#"$ROOT"/}..." >&2
t0=$(date +%s%N)
tmp="$(mktemp -d "$HOME_DIR/lib.tmp.XXXXXX")"
log="$HOME_DIR/fetch.log"
trap 'rm -rf "$tmp"' EXIT
if ! mvn -B -q -U -Dstyle.color=never -f "$POM" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp" \
    >"$log" 2>&1; then
  {
    echo "ensure-kafka.sh: Maven could not fetch Apache Kafka $VERSION (org.apache.kafka:kafka_2.13 and its"
    echo "  dependencies, see $POM) from Maven Central — no network, a proxy/mirror in ~/.m2/settings.xml,"
    echo "  or a version that does not exist. Maven said ($log):"
    reason="$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^\[(ERROR|WARNING)\] +[^ ]' \
      | grep -vE 'full stack trace|Re-run Maven|For more information|\[Help [0-9]+\] http' | head -20 || true)"
    echo "${reason:-$(tail -30 "$log")}"
  } >&2
  exit 1
fi
for jar in "kafka_2.13-$VERSION.jar" "kafka-clients-$VERSION.jar" log4j-core-*.jar log4j-slf4j-impl-*.jar slf4j-api-*.jar; do
  compgen -G "$tmp/$jar" >/dev/null || die "Maven ran, but $jar is not among the fetched jars (see $log)"
done
echo "$WANT" >"$tmp/.stamp"
rm -rf "$LIB"
chmod 755 "$tmp"
mv "$tmp" "$LIB"
trap - EXIT
rm -f "$log"
echo "ensure-kafka.sh: $(find "$LIB" -name '*.jar' | wc -l) jars, $(du -sh "$LIB" | cut -f1) in $(( ($(date +%s%N) - t0) / 1000000 )) ms" >&2
echo "kafka $VERSION (${LIB#"$ROOT"/})"
