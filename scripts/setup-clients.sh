#!/usr/bin/env bash
# Installs what the presigned-download client matrix (packages/server/test/clients/matrix*.test.ts,
# browser*.test.ts; docs/compatibility.md "Presigned downloads: the client matrix") runs against a
# live Pail. Idempotent: every step checks first, so a second run takes seconds.
#
#   Debian: chromium (headless browser), libnss3-tools (certutil: trust the dev CA in Chromium's
#           NSS store), curl, openssl (dev CA + certificates), Java 17 (java, keytool).
#   Python: .tmp/venv with `requests` (shared with scripts/setup-sdk-clients.sh; an existing venv
#           is reused, never recreated).
#   Go:     the matrix's net/http client, prebuilt into .tmp/matrix/ (the tests rebuild it if absent).
#
# Timing on the 2-core machine, from scratch (nothing installed, apt lists stale): see
# docs/compatibility.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

t0=$(date +%s)
say() { echo "setup-clients: $* (+$(($(date +%s) - t0))s)"; }

# ---- Debian packages ------------------------------------------------------------------------
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v certutil >/dev/null 2>&1 || need+=(libnss3-tools)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v python3 >/dev/null 2>&1 || need+=(python3 python3-venv)
# `java Demo.java` (single-file source launch) needs a JDK >= 11; keytool comes with it.
if ! command -v java >/dev/null 2>&1 || ! command -v keytool >/dev/null 2>&1; then need+=(openjdk-17-jdk-headless); fi
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then echo "setup-clients: need root to apt-get install ${need[*]}" >&2; exit 1; fi
  say "apt-get install ${need[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
say "debian packages ok"

# ---- Python venv with requests --------------------------------------------------------------
# Another setup script may have made (or be making) the same venv: reuse whatever is there and only
# add what is missing. `python3 -m venv` without --clear never wipes an existing venv.
venv=.tmp/venv
mkdir -p .tmp
if ! "$venv/bin/python" -c 'import requests' >/dev/null 2>&1; then
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check requests
fi
say "python venv ok ($("$venv/bin/python" -c 'import requests; print("requests", requests.__version__)'))"

# ---- Go client, prebuilt ----------------------------------------------------------------------
if command -v go >/dev/null 2>&1; then
  mkdir -p .tmp/matrix
  src=packages/server/test/clients/matrix/go/main.go
  bin="$PWD/.tmp/matrix/go-get"
  if [ ! -x "$bin" ] || [ "$src" -nt "$bin" ]; then
    # A lone stdlib-only file outside any module: `go build main.go` needs no go.mod.
    go build -C "$(dirname "$src")" -o "$bin" main.go
  fi
  say "go client ok"
else
  echo "setup-clients: go not found; the Go column of the matrix will be skipped" >&2
fi

# ---- Java warm-up: the first single-file launch pays for class-data loading -----------------
java -version >/dev/null 2>&1
say "java ok"
say "done"
