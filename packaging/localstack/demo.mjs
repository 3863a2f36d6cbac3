// The demo's local world: anvil (Base Sepolia's chain id) with a funded buyer, the reference
// facilitator on :4020 and the demo API on :3000. packaging/run-demo.sh starts this, then the
// gateway with gateway.example.yaml in front of it. Stops on SIGINT/SIGTERM.
import { startStack, ACCOUNTS } from "./lib/stack.mjs";
import { startDemoUpstream } from "./lib/demo-upstream.mjs";

const port = (name, fallback) => Number(process.env[name] || fallback);
const stack = await startStack({ anvilPort: port("DEMO_ANVIL_PORT", 8545), facilitatorPort: port("DEMO_FACILITATOR_PORT", 4020), buyerFunds: 10_000_000n });
const api = await startDemoUpstream({ port: port("DEMO_UPSTREAM_PORT", 3000) });

console.log(JSON.stringify({
  msg: "demo stack ready",
  chain: stack.rpcUrl,
  facilitator: stack.facilitatorUrl,
  upstream: api.url,
  token: stack.token,
  buyer: ACCOUNTS.buyer.address,
  seller: ACCOUNTS.seller.address,
}));

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await api.close();
  await stack.stop();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
