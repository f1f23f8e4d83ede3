#!/usr/bin/env bash
# Installs the toolchain side of the SDK conformance suites (packages/server/test/clients/sdk-*.test.ts):
#   .tmp/venv/                      Python venv with alibabacloud-oss-v2 + requests (pinned, sdk/python/requirements.txt)
#   .tmp/sdk-go-client              the Go client (sdk/go, module pinned by go.mod/go.sum), built once
#   .tmp/sdk-java/classes           the Java client (sdk/java/pom.xml pins aliyun-sdk-oss), compiled once
#   .tmp/sdk-java/classpath.txt     its dependency classpath, resolved by Maven into ~/.m2
# Each part is skipped when its inputs have not changed since the last successful run (stamp files
# hold a hash of the inputs), so calling it again is cheap. Needs python3 (3.9+), go (1.22+),
# java + javac (17+) and mvn; reaches PyPI, the Go module proxy and Maven Central.
#   scripts/setup-sdk-clients.sh            all three
#   scripts/setup-sdk-clients.sh python go  only the named ones
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SDK=packages/server/test/clients/sdk
OUT=.tmp
mkdir -p "$OUT"

hash_of() { cat "$@" | sha256sum | cut -d' ' -f1; }
# A fresh stamp is touched, so the suites (which compare its mtime with the sources) see it as current.
fresh() { [ -f "$1" ] && [ "$(cat "$1")" = "$2" ] && touch "$1"; }
need() { command -v "$1" >/dev/null 2>&1 || { echo "setup-sdk-clients: '$1' is not installed ($2)" >&2; exit 1; }; }
elapsed() { echo "$(( $(date +%s) - $1 ))s"; }

setup_python() {
  local t0 h; t0=$(date +%s)
  need python3 "Python 3.9+ for alibabacloud-oss-v2"
  h=$(hash_of "$SDK/python/requirements.txt" <(python3 --version))
  if fresh "$OUT/venv/.pail-stamp" "$h" && [ -x "$OUT/venv/bin/python" ]; then echo "python: up to date"; return; fi
  [ -x "$OUT/venv/bin/python" ] || python3 -m venv "$OUT/venv"
  "$OUT/venv/bin/pip" install --quiet --disable-pip-version-check -r "$SDK/python/requirements.txt"
  "$OUT/venv/bin/python" -c 'import alibabacloud_oss_v2, requests'
  echo "$h" >"$OUT/venv/.pail-stamp"
  echo "python: $("$OUT/venv/bin/pip" show alibabacloud-oss-v2 | grep '^Version') in $OUT/venv ($(elapsed "$t0"))"
}

setup_go() {
  local t0 h; t0=$(date +%s)
  need go "Go 1.22+ for alibabacloud-oss-go-sdk-v2"
  h=$(hash_of "$SDK/go/go.mod" "$SDK/go/go.sum" "$SDK/go/main.go" <(go version))
  if fresh "$OUT/sdk-go-client.stamp" "$h" && [ -x "$OUT/sdk-go-client" ]; then echo "go: up to date"; return; fi
  # -mod=readonly: go.sum is committed and must already hold every checksum (no silent upgrades).
  (cd "$SDK/go" && go mod download && go build -mod=readonly -trimpath -buildvcs=false -o "$ROOT/$OUT/sdk-go-client" .)
  echo "$h" >"$OUT/sdk-go-client.stamp"
  echo "go: built $OUT/sdk-go-client ($(elapsed "$t0"))"
}

setup_java() {
  local t0 h cp; t0=$(date +%s)
  need java "Java 17+"; need javac "a JDK 17+"; need mvn "Maven 3.8+"
  h=$(hash_of "$SDK/java/pom.xml" "$SDK/java/src/main/java/pail/sdk/SdkClient.java" <(java -version 2>&1))
  if fresh "$OUT/sdk-java/stamp" "$h" && [ -f "$OUT/sdk-java/classpath.txt" ] \
    && [ -f "$OUT/sdk-java/classes/pail/sdk/SdkClient.class" ]; then echo "java: up to date"; return; fi
  rm -rf "$OUT/sdk-java" && mkdir -p "$OUT/sdk-java/classes"
  # Maven only resolves the dependencies (into ~/.m2) and writes the classpath; javac compiles the
  # one source file, so nothing is written under the source tree (no target/).
  mvn -q -B -Dstyle.color=never -f "$SDK/java/pom.xml" dependency:build-classpath \
    -Dmdep.outputFile="$ROOT/$OUT/sdk-java/classpath.txt" 2>&1 | sed "s/\x1b\[[0-9;]*m//g"
  cp=$(cat "$OUT/sdk-java/classpath.txt")
  javac -encoding UTF-8 --release 17 -Xlint:all,-path -Werror -d "$OUT/sdk-java/classes" -cp "$cp" \
    "$SDK/java/src/main/java/pail/sdk/SdkClient.java"
  echo "$h" >"$OUT/sdk-java/stamp"
  echo "java: compiled into $OUT/sdk-java ($(elapsed "$t0"))"
}

T0=$(date +%s)
parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(python go java)
for p in "${parts[@]}"; do
  case "$p" in
    python) setup_python ;;
    go) setup_go ;;
    java) setup_java ;;
    *) echo "setup-sdk-clients: unknown part '$p' (python, go, java)" >&2; exit 2 ;;
  esac
done
echo "setup-sdk-clients: done in $(elapsed "$T0")"
