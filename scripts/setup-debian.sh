#!/bin/sh
# Install every build and test dependency of KafScale on Debian 12 and
# prepare the source tree (autoreconf).  Run as root from the source tree.
set -eu
cd "$(dirname "$0")/.."

export DEBIAN_FRONTEND=noninteractive
APT_PACKAGES="
  build-essential autoconf automake libtool pkg-config
  libevent-dev libcurl4-openssl-dev libcjson-dev zlib1g-dev check libssl-dev libs3-dev
  clang llvm libclang-rt-14-dev valgrind
  etcd-server kcat librdkafka-dev python3 python3-kafka python3-confluent-kafka
  curl procps psmisc iproute2 groff-base
  chromium fonts-liberation
"
if [ "$(id -u)" = 0 ]; then
  missing=""
  for p in $APT_PACKAGES; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
  done
  # Node.js and npm (for the S3 test server and kafkajs): Debian's, unless
  # the machine already has them from elsewhere (they conflict).
  command -v node >/dev/null 2>&1 || missing="$missing nodejs"
  command -v npm >/dev/null 2>&1 || missing="$missing npm"
  if [ -n "$missing" ]; then
    apt-get update -q
    # shellcheck disable=SC2086
    apt-get install -y -q --no-install-recommends $missing
  fi
else
  echo "setup: not root, skipping apt-get (run as root to install dependencies)" >&2
fi

# npm packages used by the tests (S3-compatible server, kafkajs client,
# playwright-core driving Debian's chromium for the console test); again
# when package-lock.json changed since the last install.
if [ -f tests/e2e/package.json ] && { [ ! -f tests/e2e/node_modules/.package-lock.json ] ||
     [ tests/e2e/package-lock.json -nt tests/e2e/node_modules/.package-lock.json ]; }; then
  if [ -f tests/e2e/package-lock.json ]; then
    (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
  else
    (cd tests/e2e && npm install --no-audit --no-fund --loglevel=error)
  fi
fi

autoreconf -fi
