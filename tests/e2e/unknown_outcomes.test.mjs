// End to end, on a local anvil chain with the reference facilitator: a settlement that lands on
// chain but whose answer comes too late (the facilitator behind a proxy this test runs, holding the
// /settle answer past the gateway's timeout), and one interrupted by kill -9. The journal keeps
// them, the reconciler asks the facilitator again with the same /settle body and learns they
// landed, and the re-presented payment is served without a second charge: the balance moves
// exactly once. The reconciler proves the landing on chain (`chains:`), since "the nonce is used"
// is no proof: a payer who spends the nonce on a transfer to itself while the outcome is unknown is
// not served. Then the payment-identifier extension with the v2 reference client.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { startStack, ACCOUNTS } from "../../packaging/localstack/lib/stack.mjs";
import { startDemoUpstream } from "../../packaging/localstack/lib/demo-upstream.mjs";
import { v2Fetch, v2FetchWithPaymentId, recordingFetch, decodePaymentResponseHeader } from "../../packaging/localstack/lib/clients.mjs";
import { startGateway } from "../support/gateway.mjs";
import { metric, waitFor } from "../support/raw.mjs";

const PRICE = 10_000n;
let stack, api, proxy, stateDir;
// What the proxy waits for before it passes on the next /settle answers the facilitator gave: a
// delay (ms) or a promise (a gate the test opens).
let holdSettles = [];
// How many of the next /settle calls the proxy swallows: never forwarded (nothing lands), never answered.
let swallowSettles = 0;

// Forwards every call to the facilitator at once (so a settlement really happens) and holds the
// answer of a /settle for the next `holdSettles` delay.
function startDelayingProxy(target) {
  const counts = { settle: 0 };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", async () => {
      const body = Buffer.concat(chunks);
      if (req.url === "/settle" && swallowSettles > 0) {
        swallowSettles--;
        counts.swallowed = (counts.swallowed || 0) + 1;
        return;  // silent until the gateway gives up
      }
      try {
        const answer = await fetch(target + req.url, { method: req.method, headers: { "content-type": "application/json" }, body: req.method === "POST" ? body : undefined });
        const text = await answer.text();
        if (req.url === "/settle") {
          counts.settle++;
          const hold = holdSettles.shift() || 0;
          if (typeof hold === "number") { if (hold) await new Promise((r) => setTimeout(r, hold)); } else await hold;
        }
        if (!res.destroyed) {
          res.writeHead(answer.status, { "content-type": "application/json" });
          res.end(text);
        }
      } catch {
        res.destroy();
      }
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({
    url: `http://127.0.0.1:${server.address().port}`, counts,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  })));
}

before(async () => {
  stack = await startStack();
  api = await startDemoUpstream();
  proxy = await startDelayingProxy(stack.facilitatorUrl);
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "x402gw-e2e-state-"));
});

after(async () => {
  await proxy?.close();
  await api?.close();
  await stack?.stop();
  if (stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
});

function config() {
  return `listen: "127.0.0.1:0"
admin_listen: "127.0.0.1:0"
threads: 2
limits: { challenges_per_second: 0 }
state: { dir: "${stateDir}" }
upstreams: { api: "${api.url}" }
facilitators: { local: { url: "${proxy.url}", timeout: 2s } }
payment: { pay_to: "${ACCOUNTS.seller.address}", network: base-sepolia }
chains: { base-sepolia: { rpc: "${stack.rpcUrl}" } }
routes:
  - { match: "GET /api/weather", price: "$0.01" }
  - { match: "GET /api/joke", price: "$0.01", payment_identifier: { required: true, mode: replay_answer } }
`;
}

async function balances() {
  return { buyer: await stack.balanceOf(ACCOUNTS.buyer.address), seller: await stack.balanceOf(ACCOUNTS.seller.address) };
}

const buyer = (fetchImpl) => v2Fetch(stack.wallet(ACCOUNTS.buyer.key), stack.publicClient, fetchImpl);

test("a settlement that lands but answers too late: reconciled from the journal, served again once, charged once", async () => {
  const gw = await startGateway(config());
  try {
    const start = await balances();
    const served = api.served["/api/weather"] || 0;
    const settles = stack.facilitatorCalls.settle;
    // The request's /settle answer comes after the gateway's 2 s timeout; the reconciler's answer
    // waits until the pending presentation below was answered, so that one is pending for sure.
    let openGate;
    const gate = new Promise((r) => { openGate = r; });
    holdSettles = [4000, gate];
    const recorder = recordingFetch();
    const res = await buyer(recorder)(gw.url("/api/weather?city=Porto"));
    assert.equal(res.status, 504, await res.clone().text());
    assert.equal((await res.json()).error, "facilitator_timeout");
    assert.equal(recorder.sent.length, 1);
    assert.equal((api.served["/api/weather"] || 0) - served, 1, "settled after the answer: the upstream was called once");

    // It did land: the price moved once.
    assert.ok(await waitFor(async () => (await balances()).buyer === start.buyer - PRICE));
    const pending = await fetch(gw.url("/api/weather?city=Porto"), { headers: { "PAYMENT-SIGNATURE": recorder.sent[0] } });
    openGate();
    assert.equal(pending.status, 402);
    assert.equal((await pending.json()).error, "payment_pending");
    assert.ok(pending.headers.get("retry-after"));
    assert.ok(await waitFor(async () => (await metric(gw, 'x402gw_settlements_reconciled_total{result="settled"}')) === 1, { ms: 20000 }), gw.stderr());

    const again = await fetch(gw.url("/api/weather?city=Porto"), { headers: { "PAYMENT-SIGNATURE": recorder.sent[0] } });
    assert.equal(again.status, 200);
    assert.equal(decodePaymentResponseHeader(again.headers.get("payment-response")).success, true);
    const end = await balances();
    assert.equal(start.buyer - end.buyer, PRICE, "charged exactly once");
    assert.equal(end.seller - start.seller, PRICE);
    // The first request reached the upstream (settle-after), the pending presentation did not, the
    // served one did: exactly two calls.
    assert.equal((api.served["/api/weather"] || 0) - served, 2);
    // The request's /settle and exactly one from the reconciler, which landed nothing more (the
    // balances above moved once).
    assert.equal(stack.facilitatorCalls.settle - settles, 2);
  } finally {
    holdSettles = [];
    await gw.stop();
  }
});

test("kill -9 between the settlement and its answer: the restarted gateway reconciles from the journal", async () => {
  let gw = await startGateway(config());
  const start = await balances();
  const served = api.served["/api/weather"] || 0;
  const settles = stack.facilitatorCalls.settle;
  const recorder = recordingFetch();
  try {
    holdSettles = [6000];
    const controller = new AbortController();
    const paying = buyer((input, init) => recorder(input, { ...init, signal: controller.signal }))(gw.url("/api/weather?city=Lima")).catch(() => null);
    const journal = path.join(stateDir, "unknown-settlements.jsonl");
    // The settlement has landed and timed out (journaled); the reconciler's first ask comes 1 s
    // later: kill the gateway before it.
    assert.ok(await waitFor(() => fs.existsSync(journal) && fs.readFileSync(journal, "utf8").includes('"type":"unknown"'), { ms: 10000 }));
    gw.signal("SIGKILL");
    controller.abort();
    await paying;
  } finally {
    await gw.stop();
  }
  assert.ok(await waitFor(async () => (await balances()).buyer === start.buyer - PRICE));

  gw = await startGateway(config());
  try {
    holdSettles = [];
    assert.ok(await waitFor(async () => (await metric(gw, 'x402gw_settlements_reconciled_total{result="settled"}')) === 1, { ms: 20000 }), gw.stderr());
    const again = await fetch(gw.url("/api/weather?city=Lima"), { headers: { "PAYMENT-SIGNATURE": recorder.sent[0] } });
    assert.equal(again.status, 200);
    const end = await balances();
    assert.equal(start.buyer - end.buyer, PRICE, "charged exactly once");
    assert.equal(end.seller - start.seller, PRICE);
    // The killed request reached the upstream (settle-after) and the served one did: two calls. The
    // killed request's /settle and exactly one from the restarted gateway's reconciler.
    assert.equal((api.served["/api/weather"] || 0) - served, 2);
    assert.equal(stack.facilitatorCalls.settle - settles, 2);
  } finally {
    await gw.stop();
  }
});

const TRANSFER_WITH_AUTHORIZATION = [{
  type: "function", name: "transferWithAuthorization", stateMutability: "nonpayable", outputs: [],
  inputs: [{ name: "from", type: "address" }, { name: "to", type: "address" }, { name: "value", type: "uint256" }, { name: "validAfter", type: "uint256" },
           { name: "validBefore", type: "uint256" }, { name: "nonce", type: "bytes32" }, { name: "signature", type: "bytes" }],
}];

test("the payer spends the nonce on a transfer to itself while the outcome is unknown: not served, nothing charged", async () => {
  const gw = await startGateway(config());
  try {
    const start = await balances();
    const served = api.served["/api/weather"] || 0;
    const released = await metric(gw, 'x402gw_settlements_reconciled_total{result="released"}');
    // The first /settle never reaches the facilitator and is never answered: its outcome is unknown.
    swallowSettles = 1;
    const recorder = recordingFetch();
    const res = await buyer(recorder)(gw.url("/api/weather?city=Oslo"));
    assert.equal(res.status, 504, await res.clone().text());
    const header = recorder.sent[0];
    const { payload } = JSON.parse(Buffer.from(header, "base64").toString());
    const a = payload.authorization;

    // Meanwhile the payer uses the very same nonce for a transfer to itself.
    const wallet = stack.wallet(ACCOUNTS.buyer.key);
    const signature = await wallet.signTypedData({
      domain: { name: "USDC", version: "2", chainId: stack.chainId, verifyingContract: stack.token },
      types: { TransferWithAuthorization: [
        { name: "from", type: "address" }, { name: "to", type: "address" }, { name: "value", type: "uint256" },
        { name: "validAfter", type: "uint256" }, { name: "validBefore", type: "uint256" }, { name: "nonce", type: "bytes32" }] },
      primaryType: "TransferWithAuthorization",
      message: { from: a.from, to: a.from, value: BigInt(a.value), validAfter: BigInt(a.validAfter), validBefore: BigInt(a.validBefore), nonce: a.nonce },
    });
    const hash = await wallet.writeContract({ address: stack.token, abi: TRANSFER_WITH_AUTHORIZATION, functionName: "transferWithAuthorization",
      args: [a.from, a.from, BigInt(a.value), BigInt(a.validAfter), BigInt(a.validBefore), a.nonce, signature] });
    assert.equal((await stack.publicClient.waitForTransactionReceipt({ hash })).status, "success");

    // The facilitator now answers "nonce already used"; the chain shows it did not pay the seller.
    assert.ok(await waitFor(async () => (await metric(gw, 'x402gw_settlements_reconciled_total{result="released"}')) === released + 1, { ms: 20000 }), gw.stderr());
    assert.equal(await metric(gw, 'x402gw_settlements_reconciled_total{result="settled"}'), 0);
    const again = await fetch(gw.url("/api/weather?city=Oslo"), { headers: { "PAYMENT-SIGNATURE": header } });
    assert.equal(again.status, 402, "a payment whose nonce was spent elsewhere is not served");
    const end = await balances();
    assert.equal(end.seller, start.seller, "the seller got nothing");
    assert.equal(api.served["/api/weather"] || 0, served + 1, "only the first (held, never delivered) request reached the upstream");
  } finally {
    swallowSettles = 0;
    await gw.stop();
  }
});

test("payment-identifier with the v2 reference client: required, the first answer again, 409 for another payment", async () => {
  const gw = await startGateway(config());
  try {
    const start = await balances();
    // Without the extension's id: 400 before any money moves.
    const plain = await buyer()(gw.url("/api/joke"));
    assert.equal(plain.status, 400);
    assert.equal((await plain.json()).error, "payment_identifier_required");

    const id = "pay_" + "e2e".repeat(8);
    const recorder = recordingFetch();
    const first = await v2FetchWithPaymentId(stack.wallet(ACCOUNTS.buyer.key), stack.publicClient, id, recorder)(gw.url("/api/joke"));
    assert.equal(first.status, 200, await first.clone().text());
    const firstBody = await first.text();
    const served = api.served["/api/joke"];
    const again = await fetch(gw.url("/api/joke"), { headers: { "PAYMENT-SIGNATURE": recorder.sent[0] } });
    assert.equal(again.status, 200);
    assert.equal(await again.text(), firstBody, "replay_answer: the first answer");
    assert.equal(api.served["/api/joke"], served);

    // The client signs a new payment under the same id: 409, nothing charged.
    const conflict = await v2FetchWithPaymentId(stack.wallet(ACCOUNTS.buyer.key), stack.publicClient, id)(gw.url("/api/joke"));
    assert.equal(conflict.status, 409);
    assert.equal(start.buyer - (await balances()).buyer, PRICE, "charged exactly once");
  } finally {
    await gw.stop();
  }
});
