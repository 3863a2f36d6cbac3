#!/usr/bin/env bash
# The main job in one command: installs what is missing, builds, starts the local x402 world
# (anvil chain, test USDC, reference facilitator on :4020, demo API on :3000) and runs the gateway
# with gateway.example.yaml on :8402 in front of it. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
bash packaging/install-deps.sh
bash packaging/build.sh

log=$(mktemp -t x402gw-demo.XXXXXX)
node packaging/localstack/demo.mjs >"$log" 2>&1 &
stack_pid=$!
cleanup() { kill "$stack_pid" 2>/dev/null || true; wait "$stack_pid" 2>/dev/null || true; rm -f "$log"; }
trap cleanup EXIT INT TERM
for _ in $(seq 1 150); do
  grep -q "demo stack ready" "$log" && break
  kill -0 "$stack_pid" 2>/dev/null || { cat "$log" >&2; echo "run-demo: the local stack failed to start" >&2; exit 1; }
  sleep 0.2
done
grep -q "demo stack ready" "$log" || { cat "$log" >&2; echo "run-demo: the local stack did not start in 30s" >&2; exit 1; }

cat <<MSG

  x402-gateway demo: gateway on http://127.0.0.1:8402, admin on http://127.0.0.1:9402
  local chain http://127.0.0.1:8545 (chain id 84532), facilitator http://127.0.0.1:4020, demo API http://127.0.0.1:3000

  Try, from another shell in this directory:
    curl -i http://127.0.0.1:8402/api/weather?city=Paris           # 402 with the payment challenge
    curl -i http://127.0.0.1:8402/public/hello                     # free route
    node packaging/localstack/pay.mjs                              # pay \$0.01 with the x402 v2 reference client
    node packaging/localstack/pay.mjs --v1 http://127.0.0.1:8402/api/joke   # pay \$0.001 with the v1 client

MSG
build/x402-gateway --config gateway.example.yaml
