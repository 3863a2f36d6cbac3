// End to end: pay-then-prove (a route's `proof: tx_hash`) on a local anvil chain. The client reads
// the hint headers of the 402, pays with a plain USDC `transfer` sent with viem, and retries with the
// transaction hash as proof (X-402-Payment-Proof JSON, or X-Payment-Proof). The gateway reads the
// receipt over the chain's JSON-RPC itself. Every refusal reason is produced by a real transaction.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { spawnSync } from "node:child_process";
import { startStack, ACCOUNTS } from "../../packaging/localstack/lib/stack.mjs";
import { transfers } from "../../packaging/localstack/lib/transfer.mjs";
import { startDemoUpstream } from "../../packaging/localstack/lib/demo-upstream.mjs";
import { startGateway } from "../support/gateway.mjs";

const PRICE = 10_000n;  // "$0.01" in USDC's 6 decimals
const OTHER_TOKEN = "0x00000000000000000000000000000000000a11ce";
const STRANGER = ACCOUNTS.unfunded.address;
const PATH = "/api/weather?city=Porto";
let stack, api, buyer, chain;
const gateways = {};
let rpcProxy;

function gatewayConfig(chainEntry, moreRoutes = "") {
  return `listen: "127.0.0.1:0"
admin_listen: "127.0.0.1:0"
threads: 2
limits: { challenges_per_second: 0 }
upstreams: { api: "${api.url}" }
facilitators: { local: { url: "${stack.facilitatorUrl}", timeout: 15s } }
payment: { pay_to: "${ACCOUNTS.seller.address}", network: base-sepolia }
chains:
  base-sepolia: ${chainEntry}
routes:
  - { match: "GET /api/weather", price: "$0.01", proof: tx_hash }
${moreRoutes}`;
}

// A JSON-RPC endpoint in front of anvil that can be made to fail: "pass", "error" (HTTP 503), "hang".
function startRpcProxy(target) {
  const state = { mode: "pass", calls: 0 };
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d) => { body += d; });
    req.on("end", async () => {
      state.calls++;
      if (state.mode === "hang") return;  // never answered
      if (state.mode === "error") {
        res.writeHead(503, { "content-type": "text/plain" });
        return res.end("unavailable");
      }
      const upstream = await fetch(target, { method: "POST", headers: { "content-type": "application/json" }, body });
      res.writeHead(upstream.status, { "content-type": "application/json" });
      res.end(await upstream.text());
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({
    state,
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((done) => { server.closeAllConnections(); server.close(() => done()); }),
  })));
}

before(async () => {
  stack = await startStack({ buyerFunds: 10_000_000n });
  api = await startDemoUpstream();
  buyer = stack.wallet(ACCOUNTS.buyer.key);
  chain = transfers(stack);
  // A second token (same code, another address), also held by the buyer: the wrong token.
  await chain.plantToken(OTHER_TOKEN, stack.wallet(ACCOUNTS.facilitator.key), ACCOUNTS.buyer.address, 1_000_000n);

  rpcProxy = await startRpcProxy(stack.rpcUrl);
  gateways.main = await startGateway(gatewayConfig(`{ rpc: "${stack.rpcUrl}", confirmations: 1, max_age: 1h }`));
  gateways.confirmations = await startGateway(gatewayConfig(`{ rpc: "${stack.rpcUrl}", confirmations: 3 }`));
  gateways.age = await startGateway(gatewayConfig(`{ rpc: "${stack.rpcUrl}", max_age: 1s }`));
  // A dearer route beside the weather, and one priced two ways on the same network.
  gateways.routes = await startGateway(gatewayConfig(`{ rpc: "${stack.rpcUrl}", max_age: 1h }`,
    `  - { match: "GET /api/joke", price: "$0.05", proof: tx_hash }
  - match: "POST /api/summarize"
    proof: tx_hash
    accepts:
      - { network: base-sepolia, price: "$0.05" }
      - { network: base-sepolia, price: "$0.01", pay_to: "${STRANGER}" }
`));
  gateways.flaky = await startGateway(gatewayConfig(`{ rpc: "${rpcProxy.url}", timeout: 500ms }`));
});

after(async () => {
  for (const gw of Object.values(gateways)) await gw.stop();
  await rpcProxy?.close();
  await api?.close();
  await stack?.stop();
});

// A plain ERC-20 transfer from the buyer, mined; resolves to its hash.
function transfer({ to = ACCOUNTS.seller.address, amount = PRICE, token = stack.token, gas } = {}) {
  return chain.transfer(buyer, { token, to, amount, gas });
}

const jsonProof = (hash) => ({ "X-402-Payment-Proof": JSON.stringify({ txHash: hash, network: "base-sepolia", token: stack.token, amount: "0.01" }) });
const hashProof = (hash) => ({ "X-Payment-Proof": hash });

async function present(gw, headers, path = PATH) {
  const res = await fetch(gw.url(path), { headers });
  const text = await res.text();
  let body = null;
  try { body = JSON.parse(text); } catch {}
  return { status: res.status, headers: res.headers, body, text };
}

async function expectRefusal(gw, headers, reason, path = PATH) {
  const served = api.served["/api/weather"] || 0;
  const r = await present(gw, headers, path);
  assert.equal(r.status, 402, r.text);
  assert.equal(r.body.error, reason, r.text);
  assert.ok(r.headers.get("payment-required"), "a refusal is a full x402 challenge");
  assert.equal(r.headers.get("x-402-receiver"), ACCOUNTS.seller.address);
  assert.equal(api.served["/api/weather"] || 0, served, "a refused proof reaches no upstream");
  return r;
}

test("the 402 carries the x402 challenge and the pay-then-prove hints", async () => {
  const r = await present(gateways.main, {});
  assert.equal(r.status, 402);
  assert.equal(r.body.x402Version, 1);
  assert.ok(r.headers.get("payment-required"));
  assert.equal(r.headers.get("x-402-amount"), "0.01");
  assert.equal(r.headers.get("x-402-receiver"), ACCOUNTS.seller.address);
  assert.equal(r.headers.get("x-402-network"), "base-sepolia");
  assert.equal(r.headers.get("x-402-token").toLowerCase(), stack.token.toLowerCase());
  assert.deepEqual(JSON.parse(r.headers.get("x-payment")), { amount: "0.01", token: r.headers.get("x-402-token"), chain: "84532", to: ACCOUNTS.seller.address });
});

for (const [name, proof] of [["X-402-Payment-Proof JSON", jsonProof], ["X-Payment-Proof hash", hashProof]]) {
  test(`a plain transfer proven with ${name}: 200 once, the price moved on chain, the hash never serves again`, async () => {
    const hint = await present(gateways.main, {});
    const seller0 = await stack.balanceOf(ACCOUNTS.seller.address);
    const buyer0 = await stack.balanceOf(ACCOUNTS.buyer.address);
    const { hash } = await transfer({ to: hint.headers.get("x-402-receiver"), amount: PRICE, token: hint.headers.get("x-402-token") });
    assert.equal(await stack.balanceOf(ACCOUNTS.seller.address) - seller0, PRICE);
    assert.equal(buyer0 - await stack.balanceOf(ACCOUNTS.buyer.address), PRICE);

    const served = api.served["/api/weather"] || 0;
    const r = await present(gateways.main, proof(hash));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.paid_by.toLowerCase(), ACCOUNTS.buyer.address.toLowerCase());
    const receipt = JSON.parse(Buffer.from(r.headers.get("x-payment-response"), "base64").toString());
    assert.equal(receipt.success, true);
    assert.equal(receipt.transaction, hash.toLowerCase());
    assert.equal(receipt.network, "eip155:84532");
    assert.equal((api.served["/api/weather"] || 0) - served, 1, "one payment, one upstream hit");

    // The same hash again, in either header form, upper-cased: refused, nothing served.
    await expectRefusal(gateways.main, hashProof(hash), "proof_already_used");
    await expectRefusal(gateways.main, jsonProof("0x" + hash.slice(2).toUpperCase()), "proof_already_used");
  });
}

test("refusals: unknown hash, reverted, too small, wrong token, wrong recipient", async () => {
  const unknown = "0x" + "ab".repeat(32);
  await expectRefusal(gateways.main, hashProof(unknown), "proof_not_found");
  // Not found is not final: the same hash is checked again next time.
  await expectRefusal(gateways.main, hashProof(unknown), "proof_not_found");

  // More than the buyer holds: mined, reverted (gas given so viem does not estimate, which would refuse).
  const reverted = await transfer({ amount: 10n ** 30n, gas: 100_000n });
  assert.equal(reverted.receipt.status, "reverted");
  await expectRefusal(gateways.main, hashProof(reverted.hash), "proof_reverted");

  const small = await transfer({ amount: PRICE - 1n });
  await expectRefusal(gateways.main, hashProof(small.hash), "proof_amount_too_small");

  const otherToken = await transfer({ token: OTHER_TOKEN });
  await expectRefusal(gateways.main, hashProof(otherToken.hash), "proof_wrong_token");

  const stranger = await transfer({ to: STRANGER });
  const r = await expectRefusal(gateways.main, hashProof(stranger.hash), "proof_wrong_recipient");
  assert.match(r.body.message ?? r.text, /goes to/);

  // Final refusals stay refused, with their reason, when presented again.
  await expectRefusal(gateways.main, hashProof(reverted.hash), "proof_reverted");
  await expectRefusal(gateways.main, jsonProof(small.hash), "proof_amount_too_small");

  // Malformed proofs.
  await expectRefusal(gateways.main, hashProof("0x1234"), "invalid_proof");
  await expectRefusal(gateways.main, { "X-402-Payment-Proof": JSON.stringify({ txHash: small.hash, network: "polygon" }) }, "proof_wrong_network");
});

test("an observer presenting the buyer's hash at a dearer route first does not spoil it: served where it paid", async () => {
  const { hash } = await transfer();  // $0.01 to the seller, a real transfer anyone can see on chain
  const weather = api.served["/api/weather"] || 0;
  // The observer, at the $0.05 route: refused, and not remembered against the buyer.
  await expectRefusal(gateways.routes, hashProof(hash), "proof_amount_too_small", "/api/joke");
  await expectRefusal(gateways.routes, hashProof(hash), "proof_amount_too_small", "/api/joke");
  // The buyer, at the route they paid for: served once.
  const r = await present(gateways.routes, hashProof(hash));
  assert.equal(r.status, 200, r.text);
  assert.equal((api.served["/api/weather"] || 0) - weather, 1);
  await expectRefusal(gateways.routes, hashProof(hash), "proof_already_used", "/api/joke");
  await expectRefusal(gateways.routes, hashProof(hash), "proof_already_used");
  assert.equal(api.served["/api/joke"] || 0, 0);
});

test("a route priced two ways on one network: a real transfer paying the second way is served", async () => {
  const toStranger = await transfer({ to: STRANGER, amount: PRICE });
  const served = api.served["/api/summarize"] || 0;
  const res = await fetch(gateways.routes.url("/api/summarize"), { method: "POST", headers: { ...hashProof(toStranger.hash), "content-type": "application/json" }, body: JSON.stringify({ text: "pay then prove" }) });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  assert.equal((api.served["/api/summarize"] || 0) - served, 1);
  // Paying neither way (too little to the stranger, nothing to the seller): refused.
  const tooLittle = await transfer({ to: STRANGER, amount: PRICE - 1n });
  const refused = await fetch(gateways.routes.url("/api/summarize"), { method: "POST", headers: { ...hashProof(tooLittle.hash), "content-type": "application/json" }, body: "{}" });
  assert.equal(refused.status, 402);
  assert.equal((await refused.json()).error, "proof_amount_too_small");
  assert.equal((api.served["/api/summarize"] || 0) - served, 1);
});

test("not enough confirmations: refused, then accepted once the chain has moved on", async () => {
  const { hash } = await transfer();
  await expectRefusal(gateways.confirmations, hashProof(hash), "proof_not_confirmed");
  await chain.mine(2);
  const served = api.served["/api/weather"] || 0;
  const r = await present(gateways.confirmations, hashProof(hash));
  assert.equal(r.status, 200, r.text);
  assert.equal((api.served["/api/weather"] || 0) - served, 1);
});

test("too old: a payment older than max_age is refused for good", async () => {
  const { receipt } = await transfer();
  const block = await stack.publicClient.getBlock({ blockNumber: receipt.blockNumber });
  // Wait until the wall clock is more than max_age (1s) past the block's timestamp.
  while (Date.now() / 1000 - Number(block.timestamp) <= 2.2) await new Promise((r) => setTimeout(r, 200));
  await expectRefusal(gateways.age, hashProof(receipt.transactionHash), "proof_too_old");
  await expectRefusal(gateways.age, hashProof(receipt.transactionHash), "proof_too_old");
});

test("a proof presented 10 times at once is served once", async () => {
  const { hash } = await transfer();
  const served = api.served["/api/weather"] || 0;
  const results = await Promise.all(Array.from({ length: 10 }, () => present(gateways.main, jsonProof(hash))));
  const ok = results.filter((r) => r.status === 200);
  assert.equal(ok.length, 1, results.map((r) => `${r.status} ${r.body?.error}`).join(", "));
  for (const r of results.filter((x) => x.status !== 200)) {
    assert.equal(r.status, 402);
    assert.ok(["proof_in_flight", "proof_already_used"].includes(r.body.error), r.text);
  }
  assert.equal((api.served["/api/weather"] || 0) - served, 1);
});

test("a refusal for every route is remembered without asking the chain again; a route's own refusal, not found and not confirmed ask again", async () => {
  rpcProxy.state.mode = "pass";
  const reverted = await transfer({ amount: 10n ** 30n, gas: 100_000n });
  let calls = rpcProxy.state.calls;
  await expectRefusal(gateways.flaky, hashProof(reverted.hash), "proof_reverted");
  assert.equal(rpcProxy.state.calls - calls, 3, "receipt, head, block");
  calls = rpcProxy.state.calls;
  await expectRefusal(gateways.flaky, jsonProof(reverted.hash), "proof_reverted");
  assert.equal(rpcProxy.state.calls - calls, 0, "kept with its reason");

  // Too small for this route may pay a cheaper one: never remembered, so asked again.
  const small = await transfer({ amount: 1n });
  for (let i = 0; i < 2; i++) {
    calls = rpcProxy.state.calls;
    await expectRefusal(gateways.flaky, hashProof(small.hash), "proof_amount_too_small");
    assert.equal(rpcProxy.state.calls - calls, 3, "receipt, head, block");
  }

  const unknown = "0x" + "cd".repeat(32);
  for (let i = 0; i < 2; i++) {
    calls = rpcProxy.state.calls;
    await expectRefusal(gateways.flaky, hashProof(unknown), "proof_not_found");
    assert.equal(rpcProxy.state.calls - calls, 1, "the receipt is asked for every time");
  }
});

test("a chain RPC that fails or is slow: 502/504, never forwarded, and the proof stays usable", async () => {
  const { hash } = await transfer();
  const served = api.served["/api/weather"] || 0;
  rpcProxy.state.mode = "error";
  let r = await present(gateways.flaky, hashProof(hash));
  assert.equal(r.status, 502, r.text);
  assert.equal(r.body.error, "chain_unavailable");
  rpcProxy.state.mode = "hang";
  r = await present(gateways.flaky, hashProof(hash));
  assert.equal(r.status, 504, r.text);
  assert.equal(r.body.error, "chain_timeout");
  assert.equal(api.served["/api/weather"] || 0, served, "nothing forwarded while the chain cannot be read");
  rpcProxy.state.mode = "pass";
  r = await present(gateways.flaky, hashProof(hash));
  assert.equal(r.status, 200, r.text);
  assert.equal((api.served["/api/weather"] || 0) - served, 1);

  const metrics = await (await fetch(gateways.flaky.admin("/metrics"))).text();
  assert.match(metrics, /x402gw_payment_proofs_total\{result="chain_unavailable"\} 1\b/);
  assert.match(metrics, /x402gw_payment_proofs_total\{result="chain_timeout"\} 1\b/);
  assert.match(metrics, /x402gw_payment_proofs_total\{result="accepted"\} 1\b/);
  const check = spawnSync("promtool", ["check", "metrics"], { input: metrics });
  assert.equal(check.status, 0, check.stdout + check.stderr);
});

test("metrics: proofs are counted by result, and revenue as settled payments", async () => {
  const metrics = await (await fetch(gateways.main.admin("/metrics"))).text();
  for (const result of ["accepted", "proof_already_used", "proof_not_found", "proof_reverted", "proof_amount_too_small",
                        "proof_wrong_token", "proof_wrong_recipient", "invalid_proof", "proof_wrong_network"])
    assert.match(metrics, new RegExp(`x402gw_payment_proofs_total\\{result="${result}"\\} \\d+`), result);
  assert.match(metrics, /x402gw_revenue_atomic_units_total\{[^}]*\} 30000\b/, "three accepted proofs of $0.01 on the main gateway");
});
