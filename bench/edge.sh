#!/usr/bin/env bash
# The edge benchmark (bench/edge.mjs): 10,000 idle connections and 1,000 slow-drip clients against
# the gateway and nginx. Raises the descriptor limit to the hard limit first (the counts follow it).
# Needs nginx (X402GW_BENCH_DEPS=1 bash packaging/install-deps.sh) and a built gateway.
set -euo pipefail
cd "$(dirname "$0")/.."
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
exec node bench/edge.mjs
