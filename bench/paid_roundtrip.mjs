// A paid request's round trip, end to end on the local stack: the v2 reference client pays
// $0.01 through x402-gateway and, alternately, through the v2 reference seller (@x402/express),
// both with the same reference facilitator on the same anvil chain. Prints the figures; asserts
// nothing about time. Usage: node bench/paid_roundtrip.mjs [ROUNDS]   (needs build/x402-gateway)
import { startStack, ACCOUNTS } from "../packaging/localstack/lib/stack.mjs";
import { startDemoUpstream } from "../packaging/localstack/lib/demo-upstream.mjs";
import { startReferenceSeller } from "../packaging/localstack/lib/reference-seller.mjs";
import { v2Fetch } from "../packaging/localstack/lib/clients.mjs";
import { startGateway } from "../tests/support/gateway.mjs";

const rounds = Number(process.argv[2] || 40);
const stack = await startStack({ buyerFunds: 100_000_000n });
const api = await startDemoUpstream();
const seller = await startReferenceSeller({ facilitatorUrl: stack.facilitatorUrl, payTo: ACCOUNTS.seller.address });
const gw = await startGateway(`listen: "127.0.0.1:0"
threads: 1
limits: { challenges_per_second: 0 }
upstreams: { api: "${api.url}" }
facilitators: { local: { url: "${stack.facilitatorUrl}", timeout: 15s } }
payment: { pay_to: "${ACCOUNTS.seller.address}", network: base-sepolia }
routes:
  - { match: "GET /api/weather", price: "$0.01" }
`);
const pay = v2Fetch(stack.wallet(ACCOUNTS.buyer.key), stack.publicClient);

async function once(url) {
  const t0 = process.hrtime.bigint();
  const res = await pay(url);
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status}`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const systems = { "x402-gateway": gw.url("/api/weather"), "@x402/express": `${seller.url}/api/weather` };
const samples = Object.fromEntries(Object.keys(systems).map((k) => [k, []]));
for (const [name, url] of Object.entries(systems)) await once(url);  // warm-up
for (let i = 0; i < rounds; i++) {
  const order = i % 2 ? Object.entries(systems) : Object.entries(systems).reverse();
  for (const [name, url] of order) samples[name].push(await once(url));
}
const q = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
console.log(`paid round trip (402 + signed retry + verify + upstream + settle on anvil), ${rounds} rounds, interleaved`);
console.log("system           p50 ms   p90 ms   min ms   max ms");
for (const [name, xs] of Object.entries(samples))
  console.log(`${name.padEnd(16)} ${q(xs, 0.5).toFixed(1).padStart(6)}   ${q(xs, 0.9).toFixed(1).padStart(6)}   ${Math.min(...xs).toFixed(1).padStart(6)}   ${Math.max(...xs).toFixed(1).padStart(6)}`);
console.log(`upstream served ${api.served["/api/weather"]} (gateway), reference seller served ${seller.served.weather}`);
await gw.stop();
await seller.close();
await api.close();
await stack.stop();
