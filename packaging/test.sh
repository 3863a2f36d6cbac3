#!/usr/bin/env bash
# Every test in one command: installs what is missing, builds, then runs the unit tests (ctest),
# the integration tests (the real gateway over loopback with a scripted facilitator), the
# end-to-end tests (reference x402 clients and facilitator on a local anvil chain), the deployment
# manifests and the Debian package (tests/packaging), the unit and
# integration tests again under AddressSanitizer + UndefinedBehaviorSanitizer, and every fuzz
# target for FUZZ_SECONDS (default 30) each.
set -euo pipefail
cd "$(dirname "$0")/.."
bash packaging/install-deps.sh
bash packaging/build.sh

echo "== unit tests"
ctest --test-dir build --output-on-failure -j "$(nproc)"

echo "== integration and end-to-end tests"
export X402GW_BIN="$PWD/build/x402-gateway"
node --test --test-reporter=spec --test-timeout=120000 --test-concurrency=2 tests/integration/ tests/invariants/ tests/e2e/ tests/packaging/

echo "== Debian package (build, lintian, dpkg -i, --check, systemd-analyze verify, dpkg -r/-P)"
bash tests/packaging/deb.test.sh build

echo "== unit and integration tests under ASan + UBSan"
BUILD_DIR=build-asan BUILD_TYPE=Debug CMAKE_ARGS="-DX402GW_SANITIZE=ON -DX402GW_BUILD_TESTS=ON -DX402GW_BUILD_BENCH=OFF" bash packaging/build.sh
ctest --test-dir build-asan --output-on-failure -j "$(nproc)"
X402GW_BIN="$PWD/build-asan/x402-gateway" X402GW_SANITIZED=1 \
  node --test --test-reporter=spec --test-timeout=180000 --test-concurrency=2 tests/integration/

echo "== fuzzing (libFuzzer, ASan + UBSan)"
FUZZ_SECONDS="${FUZZ_SECONDS:-30}" bash tests/fuzz/run.sh
