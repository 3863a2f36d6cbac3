// End to end on Stellar, the x402 `exact` scheme (specs/schemes/exact/scheme_exact_stellar.md):
// the reference client of @x402/stellar builds the payment with @stellar/stellar-sdk (a SEP-41
// transfer on the USDC contract with the payer's signed Soroban authorization entry) and pays through
// the real gateway; the relayer (Authorization: Bearer) runs the @x402/stellar reference facilitator
// against a local Soroban node that checks the signature, the invocation, the expiry and the nonce,
// and keeps the USDC ledger. Paid once with PAYMENT-SIGNATURE (v2) and once with X-PAYMENT (v1 shape).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  startSorobanNode, startStellarRelayer, stellarPaymentClient, stellarFetch, STELLAR_TESTNET_USDC,
  Keypair, TransactionBuilder, Networks, Address, scValToNative, nativeToScVal, xdr, checkAuthSignature,
} from "../../packaging/localstack/lib/stellar.mjs";
import { decodePaymentResponseHeader } from "../../packaging/localstack/lib/clients.mjs";
import { startDemoUpstream } from "../../packaging/localstack/lib/demo-upstream.mjs";
import { startGateway } from "../support/gateway.mjs";

const PRICE = 100_000n;  // "$0.01" in USDC's 7 decimals on Stellar
const API_KEY = "relayer-test-key";
const buyer = Keypair.random(), seller = Keypair.random(), relayerKey = Keypair.random(), poor = Keypair.random(), other = Keypair.random();
let node, relayer, api, gw;

before(async () => {
  node = await startSorobanNode({ balances: { [buyer.publicKey()]: 10_000_000n, [poor.publicKey()]: 10n, [other.publicKey()]: 0n }, accounts: [relayerKey.publicKey()] });
  relayer = await startStellarRelayer({ rpcUrl: node.url, facilitatorSecret: relayerKey.secret(), apiKey: API_KEY });
  api = await startDemoUpstream();
  gw = await startGateway(`listen: "127.0.0.1:0"
threads: 2
limits: { challenges_per_second: 0 }
upstreams: { api: "${api.url}" }
facilitators:
  relayer: { url: "${relayer.url}", timeout: 15s, headers: { Authorization: "Bearer \${STELLAR_RELAYER_KEY}" } }
payment: { pay_to: "${seller.publicKey()}", network: "stellar:testnet" }
routes:
  # on_repeat: refuse (the default, written out): a replay of a delivered payment is refused here;
  # a landed payment whose answer was never delivered is served once (R2): repeat_rules.test.mjs.
  - { match: "GET /api/weather", price: "$0.01", description: "Current weather", on_repeat: refuse }
`, { env: { STELLAR_RELAYER_KEY: API_KEY } });
});

after(async () => {
  await gw?.stop();
  await api?.close();
  await relayer?.close();
  await node?.close();
});

const stellarClient = (keypair) => stellarPaymentClient(keypair, node.url);
const v2Fetch = (keypair, fetchImpl = fetch) => stellarFetch(keypair, node.url, fetchImpl);

function recordingFetch() {
  const sent = [];
  const f = (input, init) => {
    const request = new Request(input, init);
    const header = request.headers.get("payment-signature") || request.headers.get("x-payment");
    if (header) sent.push(header);
    return fetch(request);
  };
  f.sent = sent;
  return f;
}

async function requirementOf(res) {
  return JSON.parse(Buffer.from(res.headers.get("payment-required"), "base64").toString()).accepts[0];
}

const balances = () => ({ buyer: node.balanceOf(buyer.publicKey()), seller: node.balanceOf(seller.publicKey()) });

test("the 402 carries the Stellar requirement exactly as scheme_exact_stellar.md shapes it", async () => {
  const res = await fetch(gw.url("/api/weather"));
  assert.equal(res.status, 402);
  const r = await requirementOf(res);
  assert.equal(r.scheme, "exact");
  assert.equal(r.network, "stellar:testnet");
  assert.equal(r.asset, STELLAR_TESTNET_USDC);
  assert.equal(r.amount, String(PRICE));
  assert.equal(r.payTo, seller.publicKey());
  assert.deepEqual(r.extra, { areFeesSponsored: true });
  assert.ok(Number.isInteger(r.maxTimeoutSeconds) && r.maxTimeoutSeconds > 0);
});

function checkPaidTransfer(header) {
  const payload = JSON.parse(Buffer.from(header, "base64").toString());
  const tx = TransactionBuilder.fromXDR(payload.payload.transaction, Networks.TESTNET);
  const call = tx.operations[0].func.invokeContract();
  assert.equal(Address.fromScAddress(call.contractAddress()).toString(), STELLAR_TESTNET_USDC);
  assert.equal(call.functionName().toString(), "transfer");
  assert.deepEqual(call.args().map((a) => scValToNative(a)), [buyer.publicKey(), seller.publicKey(), PRICE]);
  return payload;
}

async function paidOnce(version, pay) {
  const first = await fetch(gw.url("/api/weather"));
  assert.equal(first.status, 402);
  const servedBefore = api.served["/api/weather"] || 0;
  const settlesBefore = relayer.calls.settle;
  const start = balances();
  const { res, header, headerName } = await pay(first);
  assert.equal(res.status, 200, await res.clone().text());
  const body = await res.json();
  assert.equal(body.paid_by, buyer.publicKey());
  const receipt = decodePaymentResponseHeader(res.headers.get(version === "v2" ? "payment-response" : "x-payment-response"));
  assert.equal(receipt.success, true);
  assert.equal(receipt.network, "stellar:testnet");
  assert.equal(receipt.payer, buyer.publicKey());
  assert.match(receipt.transaction, /^[0-9a-f]{64}$/);
  const end = balances();
  assert.equal(start.buyer - end.buyer, PRICE);
  assert.equal(end.seller - start.seller, PRICE);
  assert.equal((api.served["/api/weather"] || 0) - servedBefore, 1, "one upstream hit for one payment");
  assert.equal(relayer.calls.settle - settlesBefore, 1);
  checkPaidTransfer(header);

  // The same signed authorization again: refused, nothing moves, nothing is served.
  const replay = await fetch(gw.url("/api/weather"), { headers: { [headerName]: header } });
  assert.equal(replay.status, 402);
  assert.notEqual((await replay.json()).error, "payment_required");
  assert.deepEqual(balances(), end);
  assert.equal((api.served["/api/weather"] || 0) - servedBefore, 1);
}

test("v2: the @x402/stellar client pays with PAYMENT-SIGNATURE; the relayer settles; exactly the price moves; replay refused", async () => {
  await paidOnce("v2", async () => {
    const recorder = recordingFetch();
    const res = await v2Fetch(buyer, recorder)(gw.url("/api/weather"));
    assert.equal(recorder.sent.length, 1);
    return { res, header: recorder.sent[0], headerName: "PAYMENT-SIGNATURE" };
  });
});

test("v1 shape: the same client's payment sent as X-PAYMENT {x402Version: 1, scheme, network, payload}", async () => {
  await paidOnce("v1", async (first) => {
    const requirement = await requirementOf(first);
    const { payload } = await stellarClient(buyer).createPaymentPayload(1, requirement);
    const header = Buffer.from(JSON.stringify({ x402Version: 1, scheme: "exact", network: "stellar:testnet", payload })).toString("base64");
    const res = await fetch(gw.url("/api/weather"), { headers: { "X-PAYMENT": header } });
    return { res, header, headerName: "X-PAYMENT" };
  });
});

test("a payer without the funds is refused with 402; nothing is served, nothing moves", async () => {
  const servedBefore = api.served["/api/weather"] || 0;
  const start = balances();
  const first = await fetch(gw.url("/api/weather"));
  const requirement = await requirementOf(first);
  // The reference client simulates first and refuses to sign a transfer that cannot succeed.
  await assert.rejects(stellarClient(poor).createPaymentPayload(2, requirement), /simulation failed/i);
  assert.equal(api.served["/api/weather"] || 0, servedBefore);
  assert.deepEqual(balances(), start);
  assert.equal(node.balanceOf(poor.publicKey()), 10n);
});

test("a payment whose authorization signature was tampered with is refused by the relayer: 402, nothing served, nothing moves", async () => {
  const servedBefore = api.served["/api/weather"] || 0;
  const verifiesBefore = relayer.calls.verify;
  const start = balances();
  const first = await fetch(gw.url("/api/weather"));
  const requirement = await requirementOf(first);
  const { payload } = await stellarClient(buyer).createPaymentPayload(2, requirement);
  const envelope = xdr.TransactionEnvelope.fromXDR(payload.transaction, "base64");
  const auth = envelope.v1().tx().operations()[0].body().invokeHostFunctionOp().auth()[0];
  const signature = auth.credentials().address().signature().vec()[0].map().find((e) => e.key().sym().toString() === "signature").val().bytes();
  signature[0] ^= 0xff;  // in place: the buffer is the envelope's
  const forged = { transaction: envelope.toXDR("base64") };
  assert.notEqual(forged.transaction, payload.transaction);
  const header = Buffer.from(JSON.stringify({ x402Version: 2, accepted: requirement, payload: forged })).toString("base64");
  const settlesBefore = relayer.calls.settle;
  const res = await fetch(gw.url("/api/weather"), { headers: { "PAYMENT-SIGNATURE": header } });
  assert.equal(res.status, 402);
  assert.equal((await res.json()).error, "invalid_exact_stellar_payload_simulation_failed");
  assert.equal(relayer.calls.verify - verifiesBefore, 1, "the relayer was asked, and refused");
  assert.equal(relayer.calls.settle, settlesBefore, "nothing was settled");
  assert.equal(api.served["/api/weather"] || 0, servedBefore);
  assert.deepEqual(balances(), start);
  // The untouched payment still pays: the refusal cost the buyer nothing.
  const good = Buffer.from(JSON.stringify({ x402Version: 2, accepted: requirement, payload })).toString("base64");
  const paid = await fetch(gw.url("/api/weather"), { headers: { "PAYMENT-SIGNATURE": good } });
  assert.equal(paid.status, 200);
  assert.equal(start.buyer - balances().buyer, PRICE);
});

// Sets argument `index` of transfer(from, to, amount) to `value` in the operation and in the payer's
// signed authorization entry alike, leaving the entry's signature as it was.
function editTransferArg(transaction, index, value) {
  const envelope = xdr.TransactionEnvelope.fromXDR(transaction, "base64");
  const op = envelope.v1().tx().operations()[0].body().invokeHostFunctionOp();
  op.hostFunction().invokeContract().args()[index] = value;
  op.auth()[0].rootInvocation().function().contractFn().args()[index] = value;
  // What is now wrong is the payer's signature, and nothing else the node checks first.
  assert.equal(checkAuthSignature(op.auth()[0], Networks.TESTNET), `${buyer.publicKey()}: bad signature`);
  return envelope.toXDR("base64");
}

// Payments the @x402/stellar client really signed whose signed transfer does not pay what the route
// asks; `accepted` echoes the route's real requirement (the tampered signature is tested above).
test("transfers signed for another amount or payee (as signed, or edited back after signing) are refused; nothing served, settled or moved", async () => {
  const first = await fetch(gw.url("/api/weather"));
  const real = await requirementOf(first);
  const cases = [
    { name: "signed for half the price", sign: { amount: String(PRICE / 2n) }, error: "payment_amount_mismatch", verifies: 0 },
    { name: "signed to another payee", sign: { payTo: other.publicKey() }, error: "payment_recipient_mismatch", verifies: 0 },
    { name: "signed for half the price, amount edited to the price", sign: { amount: String(PRICE / 2n) },
      edit: (t) => editTransferArg(t, 2, nativeToScVal(PRICE, { type: "i128" })), error: "invalid_exact_stellar_payload_simulation_failed", verifies: 1 },
    { name: "signed to another payee, recipient edited to the seller", sign: { payTo: other.publicKey() },
      edit: (t) => editTransferArg(t, 1, Address.fromString(seller.publicKey()).toScVal()), error: "invalid_exact_stellar_payload_simulation_failed", verifies: 1 },
  ];
  const servedBefore = api.served["/api/weather"] || 0;
  const start = { ...balances(), other: node.balanceOf(other.publicKey()) };
  const calls = { ...relayer.calls };
  let verifies = 0;
  for (const wrong of cases) {
    const { payload } = await stellarClient(buyer).createPaymentPayload(2, { ...real, ...wrong.sign });
    const transaction = wrong.edit ? wrong.edit(payload.transaction) : payload.transaction;
    const header = Buffer.from(JSON.stringify({ x402Version: 2, accepted: real, payload: { transaction } })).toString("base64");
    const res = await fetch(gw.url("/api/weather"), { headers: { "PAYMENT-SIGNATURE": header } });
    assert.equal(res.status, 402, wrong.name);
    assert.equal((await res.json()).error, wrong.error, wrong.name);
    verifies += wrong.verifies;
    assert.equal(relayer.calls.verify - calls.verify, verifies, `${wrong.name}: verify calls`);
  }
  assert.equal(relayer.calls.settle, calls.settle, "nothing was settled");
  assert.equal(api.served["/api/weather"] || 0, servedBefore, "the upstream was never called");
  assert.deepEqual({ ...balances(), other: node.balanceOf(other.publicKey()) }, start, "no balance moved");
});

test("the relayer refuses a caller without its bearer key", async () => {
  const res = await fetch(`${relayer.url}/supported`);
  assert.equal(res.status, 401);
  const ok = await fetch(`${relayer.url}/supported`, { headers: { authorization: `Bearer ${API_KEY}` } });
  assert.equal(ok.status, 200);
  assert.ok((await ok.json()).kinds.some((k) => k.network === "stellar:testnet" && k.scheme === "exact"));
});
