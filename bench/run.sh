#!/usr/bin/env bash
# The whole benchmark in one command: installs nginx and wrk if missing (as root), builds the
# gateway and the micro-benchmarks, then runs bench/suite.mjs, which prints one table (and saves a
# copy to bench/last-run.md). Takes about 12 minutes with the defaults.
# Knobs (environment): ROUNDS=5 SECONDS=5 CONNECTIONS=64 IDLE=10000 SECTIONS=free,challenge,paid,latency,idle,micro
# (add `uring` to SECTIONS for the io_uring A/B: it builds build-uring/ first)
set -euo pipefail
cd "$(dirname "$0")/.."
X402GW_BENCH_DEPS=1 bash packaging/install-deps.sh
bash packaging/build.sh
# SECTIONS=...,uring: a second gateway built on Asio's io_uring backend, into build-uring/, for the
# A/B against the default (epoll) build and nginx (issue 23).
if [[ ",${SECTIONS:-}," == *",uring,"* ]]; then
  BUILD_DIR=build-uring CMAKE_ARGS="-DX402GW_IO_URING=ON -DX402GW_BUILD_TESTS=OFF -DX402GW_BUILD_BENCH=OFF" bash packaging/build.sh
fi
if [ "$(nproc)" -lt 2 ]; then
  echo "bench: needs 2 CPUs (the system under test on one, the load generator on the other)" >&2
  exit 1
fi
# 10,000 idle connections need that many descriptors in the gateway and in the client.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
OUT="${OUT:-bench/last-run.md}" exec node bench/suite.mjs
