// End to end on Stacks testnet (stacks:2147483648): the x402-stacks 2.0.3 client (its axios
// interceptor, v2 PAYMENT-SIGNATURE with CAIP-2 ids) signs an STX transfer and an sBTC SIP-010
// transfer with @stacks/transactions and pays through the real gateway. The facilitator deserialises
// the signed transaction with @stacks/transactions and checks signature, network, recipient, amount,
// asset and nonce, refuses reuse and settles into the ledger it keeps; the two node API endpoints the
// client calls while signing (nonce, fee estimate) are served from that ledger.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import {
  stacksAccount, stacksLedger, startStacksNodeApi, startStacksFacilitator, stacksClient, decodePaymentResponse,
  deserializeTransaction, standardPrincipalCV, TESTNET_SBTC,
} from "../../packaging/localstack/lib/stacks.mjs";
import { startDemoUpstream } from "../../packaging/localstack/lib/demo-upstream.mjs";
import { startGateway } from "../support/gateway.mjs";

const STX_PRICE = 500_000n;  // "0.5 STX" in microSTX
const SBTC_PRICE = 1_000n;   // "0.00001 sBTC" in sats
const buyer = stacksAccount(), seller = stacksAccount(), poor = stacksAccount(), other = stacksAccount();
let ledger, nodeApi, facilitator, api, gw;

before(async () => {
  ledger = stacksLedger({ [buyer.address]: { STX: 10_000_000n, [TESTNET_SBTC]: 100_000n }, [poor.address]: { STX: 1_000n } });
  nodeApi = await startStacksNodeApi({ ledger });
  facilitator = await startStacksFacilitator({ ledger });
  api = await startDemoUpstream();
  gw = await startGateway(`listen: "127.0.0.1:0"
threads: 2
limits: { challenges_per_second: 0 }
upstreams: { api: "${api.url}" }
facilitators: { stacks: { url: "${facilitator.url}", timeout: 15s } }
payment: { pay_to: "${seller.address}", network: "stacks:2147483648" }
routes:
  # on_repeat: refuse (the default, written out): a replay of a delivered payment is refused here;
  # a landed payment whose answer was never delivered is served once (R2): repeat_rules.test.mjs.
  - { match: "GET /api/weather", price: "0.5 STX", description: "Current weather", on_repeat: refuse }
  - { match: "GET /api/joke", price: "0.00001 sBTC", on_repeat: refuse }
`);
});

after(async () => {
  await gw?.stop();
  await api?.close();
  await facilitator?.close();
  await nodeApi?.close();
});

const balances = (asset) => ({ buyer: ledger.balanceOf(buyer.address, asset), seller: ledger.balanceOf(seller.address, asset), buyerStx: ledger.balanceOf(buyer.address, "STX") });

// An axios client that remembers the payment header it sent.
function recordingClient(key) {
  const client = stacksClient(key);
  const sent = [];
  client.interceptors.request.use((config) => {
    const h = config.headers?.["payment-signature"] ?? config.headers?.get?.("payment-signature");
    if (h) sent.push(h);
    return config;
  });
  client.sent = sent;
  return client;
}

test("the 402 names STX and the sBTC contract on stacks:2147483648 in atomic units", async () => {
  for (const [path, asset, amount] of [["/api/weather", "STX", STX_PRICE], ["/api/joke", TESTNET_SBTC, SBTC_PRICE]]) {
    const res = await fetch(gw.url(path));
    assert.equal(res.status, 402);
    const r = JSON.parse(Buffer.from(res.headers.get("payment-required"), "base64").toString()).accepts[0];
    assert.equal(r.network, "stacks:2147483648");
    assert.equal(r.asset, asset);
    assert.equal(r.amount, String(amount));
    assert.equal(r.payTo, seller.address);
  }
});

for (const [path, asset, price] of [["/api/weather", "STX", STX_PRICE], ["/api/joke", TESTNET_SBTC, SBTC_PRICE]]) {
  test(`x402-stacks pays ${path} in ${asset === "STX" ? "STX" : "sBTC"}: 402, then 200 with a receipt; exactly the price moves; served once; replay refused`, async () => {
    const first = await fetch(gw.url(path));
    assert.equal(first.status, 402);
    const servedBefore = api.served[path] || 0;
    const start = balances(asset);
    const client = recordingClient(buyer.privateKey);
    const res = await client.get(gw.url(path));
    assert.equal(res.status, 200);
    const receipt = decodePaymentResponse(res.headers["payment-response"]);
    assert.equal(receipt.success, true);
    assert.equal(receipt.network, "stacks:2147483648");
    assert.equal(receipt.payer, buyer.address);
    assert.ok(ledger.applied.has(receipt.transaction), "the receipt names the applied transaction");

    assert.equal(client.sent.length, 1);
    const payment = JSON.parse(Buffer.from(client.sent[0], "base64").toString());
    const tx = deserializeTransaction(payment.payload.transaction);
    assert.equal(tx.txid(), receipt.transaction, "the gateway forwarded the signed transaction unchanged");
    const fee = BigInt(tx.auth.spendingCondition.fee);

    const end = balances(asset);
    assert.equal(end.seller - start.seller, price);
    assert.equal(start.buyer - end.buyer, asset === "STX" ? price + fee : price);
    if (asset !== "STX") assert.equal(start.buyerStx - end.buyerStx, fee);
    assert.equal((api.served[path] || 0) - servedBefore, 1);

    const replay = await fetch(gw.url(path), { headers: { "PAYMENT-SIGNATURE": client.sent[0] } });
    assert.equal(replay.status, 402);
    assert.notEqual((await replay.json()).error, "payment_required");
    assert.deepEqual(balances(asset), end);
    assert.equal((api.served[path] || 0) - servedBefore, 1);
  });
}

// The payment header x402-stacks signs for `path`, captured before it leaves (the client retries a
// refused payment with a fresh signature without end, so refusals are tested with the header itself).
async function signedPayment(key, path) {
  const client = stacksClient(key);
  let captured;
  client.interceptors.request.use((config) => {
    const h = config.headers?.["payment-signature"];
    if (h) { captured = h; throw new Error("captured"); }
    return config;
  });
  await assert.rejects(client.get(gw.url(path)));
  assert.ok(captured);
  return captured;
}

test("a payer without the funds is refused with 402; nothing is served, nothing moves", async () => {
  const servedBefore = api.served["/api/weather"] || 0;
  const start = balances("STX");
  const header = await signedPayment(poor.privateKey, "/api/weather");
  const res = await fetch(gw.url("/api/weather"), { headers: { "PAYMENT-SIGNATURE": header } });
  assert.equal(res.status, 402);
  assert.equal((await res.json()).error, "insufficient_funds");
  assert.equal(api.served["/api/weather"] || 0, servedBefore);
  assert.deepEqual(balances("STX"), start);
  assert.equal(ledger.balanceOf(poor.address, "STX"), 1_000n);
});

test("a transaction whose signature was tampered with is refused by the facilitator", async () => {
  const servedBefore = api.served["/api/weather"] || 0;
  const start = balances("STX");
  const payment = JSON.parse(Buffer.from(await signedPayment(buyer.privateKey, "/api/weather"), "base64").toString());
  const tx = deserializeTransaction(payment.payload.transaction);
  const sig = tx.auth.spendingCondition.signature.data;
  const flipped = (parseInt(sig.slice(10, 12), 16) ^ 0x55).toString(16).padStart(2, "0");
  tx.auth.spendingCondition.signature.data = sig.slice(0, 10) + flipped + sig.slice(12);
  payment.payload.transaction = Buffer.from(tx.serialize()).toString("hex");
  const verifiesBefore = facilitator.calls.verify, settlesBefore = facilitator.calls.settle;
  const res = await fetch(gw.url("/api/weather"), { headers: { "PAYMENT-SIGNATURE": Buffer.from(JSON.stringify(payment)).toString("base64") } });
  assert.equal(res.status, 402);
  assert.equal((await res.json()).error, "invalid_signature");
  assert.equal(facilitator.calls.verify - verifiesBefore, 1);
  assert.equal(facilitator.calls.settle, settlesBefore, "nothing was settled");
  assert.equal(api.served["/api/weather"] || 0, servedBefore);
  assert.deepEqual(balances("STX"), start);
});

test("a signed transaction offered against a requirement it does not pay (another payTo) is refused; nothing is served", async () => {
  const servedBefore = api.served["/api/weather"] || 0;
  const start = balances("STX");
  const header = await signedPayment(buyer.privateKey, "/api/weather");
  const payment = JSON.parse(Buffer.from(header, "base64").toString());
  // The same signed transaction offered against a requirement it does not pay (another payTo).
  payment.accepted = { ...payment.accepted, payTo: poor.address };
  const res = await fetch(gw.url("/api/weather"), { headers: { "PAYMENT-SIGNATURE": Buffer.from(JSON.stringify(payment)).toString("base64") } });
  assert.equal(res.status, 402);
  assert.equal((await res.json()).error, "no_matching_requirements");
  assert.equal(api.served["/api/weather"] || 0, servedBefore);
  assert.deepEqual(balances("STX"), start);
});

// What x402-stacks signs when shown the route's 402 for `path` with `alter` applied to its
// requirement: a stand-in seller on loopback shows the altered 402 and keeps the payment header of
// the client's retry. Resolves to { real (the route's requirement), payment (the decoded header) }.
async function signedForAltered(key, path, alter) {
  const first = await fetch(gw.url(path));
  const required = JSON.parse(Buffer.from(first.headers.get("payment-required"), "base64").toString());
  const real = required.accepts[0];
  const shown = Buffer.from(JSON.stringify({ ...required, accepts: [{ ...real, ...alter }] })).toString("base64");
  let captured;
  const seller = http.createServer((req, res) => {
    captured ??= req.headers["payment-signature"];
    res.writeHead(captured ? 200 : 402, { "content-type": "application/json", ...(captured ? {} : { "payment-required": shown }) });
    res.end("{}");
  });
  await new Promise((resolve) => seller.listen(0, "127.0.0.1", resolve));
  try {
    await stacksClient(key).get(`http://127.0.0.1:${seller.address().port}${path}`);
  } finally {
    seller.closeAllConnections();
    await new Promise((resolve) => seller.close(resolve));
  }
  assert.ok(captured, "the client paid the stand-in seller");
  return { real, payment: JSON.parse(Buffer.from(captured, "base64").toString()) };
}

// Signed STX transfers whose signed content does not pay what the route asks; `accepted` echoes
// the route's real requirement (the tampered signature and the altered `accepted` are tested above).
test("STX transfers signed for another amount or payee (as signed, or edited back after signing) are refused; nothing served, settled or moved", async () => {
  const cases = [
    { name: "signed for half the price", sign: { amount: String(STX_PRICE / 2n) }, error: "payment_amount_mismatch", verifies: 0 },
    { name: "signed to another payee", sign: { payTo: other.address }, error: "payment_recipient_mismatch", verifies: 0 },
    { name: "signed for half the price, amount edited to the price", sign: { amount: String(STX_PRICE / 2n) },
      edit: (tx) => { tx.payload.amount = STX_PRICE; }, error: "invalid_signature", verifies: 1 },
    { name: "signed to another payee, recipient edited to the seller", sign: { payTo: other.address },
      edit: (tx) => { tx.payload.recipient = standardPrincipalCV(seller.address); }, error: "invalid_signature", verifies: 1 },
  ];
  const servedBefore = api.served["/api/weather"] || 0;
  const start = { ...balances("STX"), other: ledger.balanceOf(other.address, "STX") };
  const calls = { ...facilitator.calls };
  let verifies = 0;
  for (const wrong of cases) {
    const { real, payment } = await signedForAltered(buyer.privateKey, "/api/weather", wrong.sign);
    const tx = deserializeTransaction(payment.payload.transaction);
    assert.equal(BigInt(tx.payload.amount), BigInt(wrong.sign.amount ?? STX_PRICE), "the client signed what it was shown");
    if (wrong.edit) {
      wrong.edit(tx);
      payment.payload.transaction = Buffer.from(tx.serialize()).toString("hex");
    }
    payment.accepted = real;
    const res = await fetch(gw.url("/api/weather"), { headers: { "PAYMENT-SIGNATURE": Buffer.from(JSON.stringify(payment)).toString("base64") } });
    assert.equal(res.status, 402, wrong.name);
    assert.equal((await res.json()).error, wrong.error, wrong.name);
    verifies += wrong.verifies;
    assert.equal(facilitator.calls.verify - calls.verify, verifies, `${wrong.name}: verify calls`);
  }
  assert.equal(facilitator.calls.settle, calls.settle, "nothing was settled");
  assert.equal(api.served["/api/weather"] || 0, servedBefore, "the upstream was never called");
  assert.deepEqual({ ...balances("STX"), other: ledger.balanceOf(other.address, "STX") }, start, "no balance moved");
});
