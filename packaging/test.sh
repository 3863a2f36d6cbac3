#!/usr/bin/env bash
# Every test in one command: installs what is missing, builds, then runs the unit tests (ctest),
# the integration tests (the real gateway over loopback with a scripted facilitator), the
# end-to-end tests (reference x402 clients and facilitator on a local anvil chain), the deployment
# manifests and the Debian package (tests/packaging), the unit and
# integration tests again under AddressSanitizer + UndefinedBehaviorSanitizer, and every fuzz
# target for FUZZ_SECONDS (default 30) each.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each stage's wall time, printed as it ends and summed up at the end (CI's budget is read from it).
started=$SECONDS stage_name="" stage_start=$SECONDS timings=""
stage() {
  if [ -n "$stage_name" ]; then
    local took=$((SECONDS - stage_start))
    echo "-- $stage_name: ${took}s"
    timings+="$(printf '%6ds  %s' "$took" "$stage_name")"$'\n'
  fi
  stage_name="$1" stage_start=$SECONDS
  [ -n "$1" ] && echo "== $1"
  return 0
}
trap 'stage ""; printf "\nstage times:\n%s%6ds  total\n" "$timings" "$((SECONDS - started))"' EXIT

stage "install and build"
bash packaging/install-deps.sh
bash packaging/build.sh

stage "unit tests"
ctest --test-dir build --output-on-failure -j "$(nproc)"

stage "integration and end-to-end tests"
export X402GW_BIN="$PWD/build/x402-gateway"
node --test --test-reporter=spec --test-timeout=120000 --test-concurrency=2 tests/integration/ tests/invariants/ tests/e2e/ tests/packaging/

stage "Debian package (build, lintian, dpkg -i, --check, systemd-analyze verify, dpkg -r/-P)"
bash tests/packaging/deb.test.sh build

stage "unit and integration tests under ASan + UBSan"
BUILD_DIR=build-asan BUILD_TYPE=Debug CMAKE_ARGS="-DX402GW_SANITIZE=ON -DX402GW_BUILD_TESTS=ON -DX402GW_BUILD_BENCH=OFF" bash packaging/build.sh
ctest --test-dir build-asan --output-on-failure -j "$(nproc)"
X402GW_BIN="$PWD/build-asan/x402-gateway" X402GW_SANITIZED=1 \
  node --test --test-reporter=spec --test-timeout=180000 --test-concurrency=2 tests/integration/

stage "fuzzing (libFuzzer, ASan + UBSan)"
FUZZ_SECONDS="${FUZZ_SECONDS:-30}" bash tests/fuzz/run.sh
