#!/usr/bin/env bash
# Every test in one command: installs what is missing, builds, then runs the unit tests (ctest),
# the integration tests (the real gateway over loopback with a scripted facilitator) and the
# end-to-end tests (reference x402 clients and facilitator on a local anvil chain).
set -euo pipefail
cd "$(dirname "$0")/.."
bash packaging/install-deps.sh
bash packaging/build.sh

echo "== unit tests"
ctest --test-dir build --output-on-failure -j "$(nproc)"

echo "== integration and end-to-end tests"
export X402GW_BIN="$PWD/build/x402-gateway"
node --test --test-reporter=spec --test-timeout=120000 --test-concurrency=2 tests/integration/ tests/e2e/
