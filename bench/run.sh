#!/usr/bin/env bash
# The whole benchmark in one command: installs nginx and wrk if missing (as root), builds the
# gateway and the micro-benchmarks, then runs bench/suite.mjs, which prints one table (and saves a
# copy to bench/last-run.md). Takes about 12 minutes with the defaults.
# Knobs (environment): ROUNDS=5 SECONDS=5 CONNECTIONS=64 IDLE=10000 SECTIONS=free,challenge,paid,latency,idle,micro
set -euo pipefail
cd "$(dirname "$0")/.."
X402GW_BENCH_DEPS=1 bash packaging/install-deps.sh
bash packaging/build.sh
if [ "$(nproc)" -lt 2 ]; then
  echo "bench: needs 2 CPUs (the system under test on one, the load generator on the other)" >&2
  exit 1
fi
# 10,000 idle connections need that many descriptors in the gateway and in the client.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
OUT="${OUT:-bench/last-run.md}" exec node bench/suite.mjs
