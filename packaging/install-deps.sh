#!/usr/bin/env bash
# Installs what building, running and testing x402-gateway needs on Debian bookworm:
# Debian packages (as root, with apt-get) and the pinned npm packages of the local x402 stack.
# Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ccache pkg-config
  libboost1.81-dev libyaml-cpp-dev nlohmann-json3-dev libssl-dev
  libgtest-dev googletest libbenchmark-dev
  prometheus
  clang libclang-rt-14-dev
  libhiredis-dev redis-server
  libjemalloc-dev
  ca-certificates curl openssl
  lintian
  pebble iproute2
  nginx-light caddy
  chromium fonts-dejavu-core
)
# liburing-dev: the io_uring build the bench compares (X402GW_IO_URING, SECTIONS=uring).
[ "${X402GW_BENCH_DEPS:-0}" = 1 ] && packages+=(wrk liburing-dev)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ! command -v node >/dev/null || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  missing+=(nodejs npm)
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: these Debian packages are missing: ${missing[*]}; run this script as root" >&2
    exit 1
  fi
  echo "install-deps: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
node -e 'if (+process.versions.node.split(".")[0] < 20) { console.error("install-deps: Node 20 or newer is needed, found " + process.version); process.exit(1) }'

# The local x402 stack (anvil, solc, viem, the x402 reference packages), pinned by its lockfile.
stack=packaging/localstack
stamp="$stack/node_modules/.x402gw-installed"
if [ ! -f "$stamp" ] || [ "$stack/package-lock.json" -nt "$stamp" ]; then
  echo "install-deps: npm install in $stack (versions pinned by package-lock.json)"
  # Not `npm ci`: npm records only this platform's optional anvil binary in the lockfile and then
  # `npm ci` rejects its own lockfile as out of sync. `npm install` installs the locked tree as is.
  rm -rf "$stack/node_modules"
  (cd "$stack" && npm install --no-audit --no-fund --loglevel=error)
  touch "$stamp"
fi
echo "install-deps: ok"
