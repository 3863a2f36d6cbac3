// End to end: the reference x402 clients (@x402/fetch v2, x402-fetch v1) pay through the real
// gateway, verified and settled by the reference facilitator logic, on a local anvil chain.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startStack, ACCOUNTS } from "../../packaging/localstack/lib/stack.mjs";
import { startDemoUpstream } from "../../packaging/localstack/lib/demo-upstream.mjs";
import { v1Fetch, v2Fetch, recordingFetch, decodePaymentResponseHeader, signV1Payment, signV2Payment } from "../../packaging/localstack/lib/clients.mjs";
import { startGateway } from "../support/gateway.mjs";

const PRICE = 10_000n;  // "$0.01" in USDC's 6 decimals
let stack, api, gw;

before(async () => {
  stack = await startStack();
  api = await startDemoUpstream();
  gw = await startGateway(`listen: "127.0.0.1:0"
threads: 2
limits: { challenges_per_second: 0 }    # every client here is 127.0.0.1
upstreams: { api: "${api.url}" }
facilitators: { local: { url: "${stack.facilitatorUrl}", timeout: 15s } }
payment: { pay_to: "${ACCOUNTS.seller.address}", network: base-sepolia }
routes:
  - { match: "GET /api/weather", price: "$0.01", description: "Current weather" }
  - { match: "GET /api/joke", price: "$0.01", settlement: before }
  - { match: "/public/*" }
`);
});

after(async () => {
  await gw?.stop();
  await api?.close();
  await stack?.stop();
});

async function balances() {
  return { buyer: await stack.balanceOf(ACCOUNTS.buyer.address), seller: await stack.balanceOf(ACCOUNTS.seller.address) };
}

const clients = {
  v2: (fetchImpl) => v2Fetch(stack.wallet(ACCOUNTS.buyer.key), stack.publicClient, fetchImpl),
  v1: (fetchImpl) => v1Fetch(stack.wallet(ACCOUNTS.buyer.key), 100_000n, fetchImpl),
};
const receiptHeader = { v2: "payment-response", v1: "x-payment-response" };
const paymentHeaderName = { v2: "PAYMENT-SIGNATURE", v1: "X-PAYMENT" };

for (const version of ["v2", "v1"]) {
  for (const path of ["/api/weather?city=Porto", "/api/joke"]) {
    test(`${version} ${path}: 402 first, then 200 with a receipt; the price moves on chain; served once`, async () => {
      const first = await fetch(gw.url(path));
      assert.equal(first.status, 402);
      assert.ok(first.headers.get("payment-required"));
      assert.equal((await first.json()).x402Version, 1);

      const pathname = path.split("?")[0];
      const servedBefore = api.served[pathname] || 0;
      const start = await balances();
      const recorder = recordingFetch();
      const res = await clients[version](recorder)(gw.url(path));
      assert.equal(res.status, 200, await res.clone().text());
      const body = await res.json();
      assert.ok(body);
      const receipt = decodePaymentResponseHeader(res.headers.get(receiptHeader[version]));
      assert.equal(receipt.success, true);
      assert.match(receipt.transaction, /^0x[0-9a-f]{64}$/);
      assert.equal(receipt.payer.toLowerCase(), ACCOUNTS.buyer.address.toLowerCase());
      const tx = await stack.publicClient.getTransactionReceipt({ hash: receipt.transaction });
      assert.equal(tx.status, "success");

      const end = await balances();
      assert.equal(start.buyer - end.buyer, PRICE);
      assert.equal(end.seller - start.seller, PRICE);
      assert.equal((api.served[pathname] || 0) - servedBefore, 1, "the upstream served exactly one request for one payment");
      if (pathname === "/api/weather") assert.equal(body.paid_by, ACCOUNTS.buyer.address);

      // Presenting the same payment again once its answer was delivered buys nothing more (R3):
      // 402 payment_already_used, no upstream call, no charge.
      assert.equal(recorder.sent.length, 1);
      const settles = stack.facilitatorCalls.settle;
      const replay = await fetch(gw.url(path), { headers: { [paymentHeaderName[version]]: recorder.sent[0] } });
      assert.equal(replay.status, 402);
      assert.equal((await replay.json()).error, "payment_already_used");
      assert.equal((api.served[pathname] || 0) - servedBefore, 1);
      assert.equal(stack.facilitatorCalls.settle, settles);
      assert.deepEqual(await balances(), end);
    });
  }
}

// A fetch that captures the signed payment and does not send it.
function capturingFetch() {
  const captured = [];
  const f = async (input, init) => {
    const request = new Request(input, init);
    const header = request.headers.get("payment-signature") || request.headers.get("x-payment");
    if (header) {
      captured.push(header);
      return new Response("{}", { status: 200, headers: { "content-type": "application/json" } });
    }
    return fetch(request);
  };
  f.captured = captured;
  return f;
}

for (const version of ["v2", "v1"]) {
  test(`${version}: 50 concurrent presentations of one payment -> exactly one settlement on chain, one upstream hit`, async () => {
    const capture = capturingFetch();
    await clients[version](capture)(gw.url("/api/weather"));
    assert.equal(capture.captured.length, 1);
    const header = capture.captured[0];
    const servedBefore = api.served["/api/weather"] || 0;
    const start = await balances();
    const settlesBefore = stack.facilitatorCalls.settle;

    const results = await Promise.all(Array.from({ length: 50 }, () =>
      fetch(gw.url("/api/weather"), { headers: { [paymentHeaderName[version]]: header } }).then(async (r) => ({ status: r.status, text: await r.text() }))));
    // One is settled and served; the others arrive while it is in flight (402 payment_in_flight)
    // or after its answer was delivered (402 payment_already_used).
    const ok = results.filter((r) => r.status === 200).length;
    assert.equal(ok, 1, JSON.stringify(results.map((r) => r.status)));
    for (const r of results.filter((x) => x.status !== 200)) {
      assert.equal(r.status, 402);
      assert.ok(["payment_in_flight", "payment_already_used"].includes(JSON.parse(r.text).error), r.text);
    }
    assert.equal((api.served["/api/weather"] || 0) - servedBefore, 1);
    assert.equal(stack.facilitatorCalls.settle - settlesBefore, 1, "one settlement");
    const end = await balances();
    assert.equal(start.buyer - end.buyer, PRICE);
    assert.equal(end.seller - start.seller, PRICE);
  });
}

// Payments the reference clients really signed, whose signed content does not pay what the route
// asks: signed for half the price or to another payee (shown as signed, or edited afterwards to show
// the real price and payee, so that only the signature gives them away), or with corrupted signature
// bytes. `accepted` always echoes the route's real requirement. The gateway refuses what it can see
// before any facilitator call; the reference facilitator refuses the rest at /verify. Either way
// nothing is served, settled or moved.
const OTHER = ACCOUNTS.unfunded.address;  // a payee that is not the route's
const wrongPayments = [
  { name: "signed for half the price", sign: { amount: PRICE / 2n }, error: "payment_amount_mismatch", verifies: 0 },
  { name: "signed to another payee", sign: { payTo: OTHER }, error: "payment_recipient_mismatch", verifies: 0 },
  // The gateway's precheck lets more than the price through (it refuses only what cannot pay); the
  // exact scheme wants the very amount, and the facilitator refuses it: nobody is overcharged.
  { name: "signed for twice the price", sign: { amount: PRICE * 2n }, verifies: 1,
    error: { v2: "invalid_exact_evm_payload_authorization_value_mismatch", v1: "invalid_exact_evm_authorization_value" } },
  { name: "signed for half the price, value edited to the price", sign: { amount: PRICE / 2n },
    edit: (a) => { a.value = String(PRICE); }, error: "invalid_exact_evm_signature", verifies: 1 },
  { name: "signed to another payee, to edited to the seller", sign: { payTo: OTHER },
    edit: (a) => { a.to = ACCOUNTS.seller.address; }, error: "invalid_exact_evm_signature", verifies: 1 },
  { name: "signature bytes corrupted", edit: (a, p) => { p.signature = flipHexByte(p.signature, 20); },
    error: "invalid_exact_evm_signature", verifies: 1 },
];

function flipHexByte(hex, index) {
  const at = 2 + 2 * index;
  return hex.slice(0, at) + (parseInt(hex.slice(at, at + 2), 16) ^ 0x5a).toString(16).padStart(2, "0") + hex.slice(at + 2);
}

for (const version of ["v2", "v1"]) {
  test(`${version}: payments signed for another amount or payee, or with a corrupted signature, are refused; nothing served, settled or moved`, async () => {
    const first = await fetch(gw.url("/api/weather"));
    assert.equal(first.status, 402);
    const real = version === "v2"
      ? JSON.parse(Buffer.from(first.headers.get("payment-required"), "base64").toString()).accepts[0]
      : (await first.json()).accepts[0];
    const amountKey = version === "v2" ? "amount" : "maxAmountRequired";
    assert.equal(real[amountKey], String(PRICE));
    const wallet = stack.wallet(ACCOUNTS.buyer.key);
    const servedBefore = api.served["/api/weather"] || 0;
    const start = { ...await balances(), other: await stack.balanceOf(OTHER) };
    const calls = { ...stack.facilitatorCalls };
    let verifies = 0;
    for (const wrong of wrongPayments) {
      const signedFor = { ...real, ...(wrong.sign?.payTo ? { payTo: wrong.sign.payTo } : {}), ...(wrong.sign?.amount ? { [amountKey]: String(wrong.sign.amount) } : {}) };
      const doc = version === "v2" ? await signV2Payment(wallet, stack.publicClient, signedFor) : await signV1Payment(wallet, signedFor);
      if (version === "v2") doc.accepted = real;
      assert.equal(doc.payload.authorization.value, String(wrong.sign?.amount ?? PRICE), "the client signed what it was shown");
      wrong.edit?.(doc.payload.authorization, doc.payload);
      const header = Buffer.from(JSON.stringify(doc)).toString("base64");
      const res = await fetch(gw.url("/api/weather"), { headers: { [paymentHeaderName[version]]: header } });
      assert.equal(res.status, 402, wrong.name);
      assert.equal((await res.json()).error, wrong.error[version] ?? wrong.error, wrong.name);
      verifies += wrong.verifies;
      assert.equal(stack.facilitatorCalls.verify - calls.verify, verifies, `${wrong.name}: verify calls`);
    }
    assert.equal(stack.facilitatorCalls.settle, calls.settle, "nothing was settled");
    assert.equal(api.served["/api/weather"] || 0, servedBefore, "the upstream was never called");
    assert.deepEqual({ ...await balances(), other: await stack.balanceOf(OTHER) }, start, "no balance moved");
  });
}

test("an unfunded payer is refused with 402 and the upstream never serves it", async () => {
  const servedBefore = api.served["/api/weather"] || 0;
  for (const make of [
    () => v2Fetch(stack.wallet(ACCOUNTS.unfunded.key), stack.publicClient),
    () => v1Fetch(stack.wallet(ACCOUNTS.unfunded.key)),
  ]) {
    const res = await make()(gw.url("/api/weather"));
    assert.equal(res.status, 402);
  }
  assert.equal(api.served["/api/weather"] || 0, servedBefore);
  assert.equal(await stack.balanceOf(ACCOUNTS.unfunded.address), 0n);
});

test("free routes pass straight through without payment", async () => {
  const res = await fetch(gw.url("/public/hello"));
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { hello: "world", free: true });
});
