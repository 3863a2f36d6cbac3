// End to end on Solana devnet's id: the @x402/svm reference client (through @x402/fetch, v2)
// builds and partially signs an SPL transferChecked of USDC; the @x402/svm reference facilitator
// verifies it, co-signs as fee payer and sends it; the chain is LiteSVM (the real SVM with the SPL
// programs) behind a small JSON-RPC server, with the devnet USDC mint planted at its address.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  startLocalSolana, startSolanaFacilitator, solanaFetch, generateKeyPairSigner, ExactSvmClientScheme, SOLANA_DEVNET, DEVNET_USDC,
  associatedTokenAccount, encodeAddress,
} from "../../packaging/localstack/lib/solana.mjs";
import { decodePaymentResponseHeader } from "../../packaging/localstack/lib/clients.mjs";
import { startDemoUpstream } from "../../packaging/localstack/lib/demo-upstream.mjs";
import { startGateway } from "../support/gateway.mjs";

const PRICE = 10_000n;  // "$0.01" in USDC's 6 decimals
let buyer, seller, feePayer, poor, other, chain, facilitator, api, gw;

before(async () => {
  [buyer, seller, feePayer, poor, other] = await Promise.all(Array.from({ length: 5 }, () => generateKeyPairSigner()));
  chain = await startLocalSolana({ holders: { [buyer.address]: 1_000_000n, [seller.address]: 0n, [poor.address]: 5n, [other.address]: 0n }, sol: { [feePayer.address]: 10_000_000_000n } });
  facilitator = await startSolanaFacilitator({ rpcUrl: chain.url, feePayer });
  api = await startDemoUpstream();
  gw = await startGateway(`listen: "127.0.0.1:0"
threads: 2
limits: { challenges_per_second: 0 }
upstreams: { api: "${api.url}" }
facilitators: { svm: { url: "${facilitator.url}", timeout: 15s } }
payment: { pay_to: "${seller.address}", network: "${SOLANA_DEVNET}", fee_payer: "${feePayer.address}" }
routes:
  # on_repeat: refuse (the default, written out): a replay of a delivered payment is refused here;
  # a landed payment whose answer was never delivered is served once (R2): repeat_rules.test.mjs.
  - { match: "GET /api/weather", price: "$0.01", description: "Current weather", on_repeat: refuse }
`);
});

after(async () => {
  await gw?.stop();
  await api?.close();
  await facilitator?.close();
  await chain?.close();
});

const balances = async () => ({ buyer: await chain.usdcOf(buyer.address), seller: await chain.usdcOf(seller.address) });

function recordingFetch() {
  const sent = [];
  const f = (input, init) => {
    const request = new Request(input, init);
    const header = request.headers.get("payment-signature");
    if (header) sent.push(header);
    return fetch(request);
  };
  f.sent = sent;
  return f;
}

test("the 402 names the devnet USDC mint, 6 decimals, and the facilitator's fee payer", async () => {
  const res = await fetch(gw.url("/api/weather"));
  assert.equal(res.status, 402);
  const r = JSON.parse(Buffer.from(res.headers.get("payment-required"), "base64").toString()).accepts[0];
  assert.equal(r.network, SOLANA_DEVNET);
  assert.equal(r.asset, DEVNET_USDC);
  assert.equal(r.amount, String(PRICE));
  assert.equal(r.payTo, seller.address);
  assert.deepEqual(r.extra, { feePayer: feePayer.address });
  const v1 = (await res.json()).accepts[0];
  assert.equal(v1.network, "solana-devnet");
});

test("@x402/svm pays: 402, then 200 with a receipt; exactly the price moves on the SVM; served once; replay refused", async () => {
  assert.equal((await fetch(gw.url("/api/weather"))).status, 402);
  const servedBefore = api.served["/api/weather"] || 0;
  const start = await balances();
  const feeLamportsBefore = chain.svm.getBalance(feePayer.address);
  const recorder = recordingFetch();
  const res = await solanaFetch(buyer, chain.url, recorder)(gw.url("/api/weather"));
  assert.equal(res.status, 200, await res.clone().text());
  const body = await res.json();
  assert.equal(body.paid_by, buyer.address);
  const receipt = decodePaymentResponseHeader(res.headers.get("payment-response"));
  assert.equal(receipt.success, true);
  assert.equal(receipt.network, SOLANA_DEVNET);
  assert.equal(receipt.payer, buyer.address);
  assert.match(receipt.transaction, /^[1-9A-HJ-NP-Za-km-z]{64,88}$/);
  assert.equal(chain.calls.sendTransaction, 1);

  const end = await balances();
  assert.equal(start.buyer - end.buyer, PRICE);
  assert.equal(end.seller - start.seller, PRICE);
  assert.ok(chain.svm.getBalance(feePayer.address) < feeLamportsBefore, "the fee payer paid the fee");
  assert.equal((api.served["/api/weather"] || 0) - servedBefore, 1);

  assert.equal(recorder.sent.length, 1);
  const replay = await fetch(gw.url("/api/weather"), { headers: { "PAYMENT-SIGNATURE": recorder.sent[0] } });
  assert.equal(replay.status, 402);
  assert.notEqual((await replay.json()).error, "payment_required");
  assert.deepEqual(await balances(), end);
  assert.equal((api.served["/api/weather"] || 0) - servedBefore, 1);
  assert.equal(chain.calls.sendTransaction, 1, "nothing more was sent to the chain");
});

test("a payer without the USDC is refused with 402 (the facilitator's simulation fails); nothing is served or moves", async () => {
  const servedBefore = api.served["/api/weather"] || 0;
  const start = await balances();
  const first = await fetch(gw.url("/api/weather"));
  const requirement = JSON.parse(Buffer.from(first.headers.get("payment-required"), "base64").toString()).accepts[0];
  const { payload } = await new ExactSvmClientScheme(poor, { rpcUrl: chain.url }).createPaymentPayload(2, requirement);
  const header = Buffer.from(JSON.stringify({ x402Version: 2, accepted: requirement, payload })).toString("base64");
  const verifiesBefore = facilitator.calls.verify;
  const res = await fetch(gw.url("/api/weather"), { headers: { "PAYMENT-SIGNATURE": header } });
  assert.equal(res.status, 402);
  assert.equal(facilitator.calls.verify - verifiesBefore, 1);
  assert.equal(api.served["/api/weather"] || 0, servedBefore);
  assert.deepEqual(await balances(), start);
  assert.equal(await chain.usdcOf(poor.address), 5n);
});

// The client's signature slots of a serialized transaction: [count (compact-u16, < 128 here), 64-byte
// signatures..., message]. The fee payer's slot is still empty (zeros); the client's is the other.
function clientSignatureOffset(tx) {
  assert.ok(tx[0] < 0x80);
  for (let i = 0; i < tx[0]; ++i) {
    const at = 1 + 64 * i;
    if (tx.subarray(at, at + 64).some((b) => b !== 0)) return at;
  }
  assert.fail("no client signature");
}

// Rewrites the amount of the one TransferChecked (instruction 12: amount u64 LE, decimals u8) in the
// signed message, leaving the signature as it was.
function editTransferAmount(tx, from, to) {
  const needle = Buffer.alloc(10);
  needle.writeUInt8(12, 0);
  needle.writeBigUInt64LE(from, 1);
  needle.writeUInt8(6, 9);
  const at = tx.indexOf(needle, 1 + 64 * tx[0]);
  assert.ok(at > 0, "the transfer's data is in the message");
  tx.writeBigUInt64LE(to, at + 1);
}

// Replaces an account key of the signed message (all its occurrences: it is listed once), leaving
// the signature as it was.
function replaceKey(tx, from, to) {
  const at = tx.indexOf(from, 1 + 64 * tx[0]);
  assert.ok(at > 0, "the key is in the message");
  to.copy(tx, at);
}

// Payments the @x402/svm client really signed whose signed content does not pay what the route
// asks, or whose signature bytes were corrupted; `accepted` echoes the route's real requirement.
test("transactions signed for another amount or payee (as signed, or edited back after signing), or with a corrupted signature, are refused; nothing served, settled or moved", async () => {
  const first = await fetch(gw.url("/api/weather"));
  const real = JSON.parse(Buffer.from(first.headers.get("payment-required"), "base64").toString()).accepts[0];
  const [otherAta, sellerAta] = await Promise.all([associatedTokenAccount(other.address), associatedTokenAccount(seller.address)]);
  const cases = [
    { name: "signed for half the price", sign: { amount: String(PRICE / 2n) }, error: "payment_amount_mismatch", verifies: 0 },
    { name: "signed to another payee", sign: { payTo: other.address }, error: "invalid_exact_svm_payload_recipient_mismatch", verifies: 1 },
    { name: "signed for half the price, amount edited to the price", sign: { amount: String(PRICE / 2n) },
      edit: (tx) => editTransferAmount(tx, PRICE / 2n, PRICE), error: "invalid_exact_svm_payload_signature_invalid", verifies: 1 },
    { name: "signed to another payee, destination edited to the seller's token account", sign: { payTo: other.address },
      edit: (tx) => replaceKey(tx, encodeAddress(otherAta), encodeAddress(sellerAta)), error: "invalid_exact_svm_payload_signature_invalid", verifies: 1 },
    { name: "client signature corrupted", edit: (tx) => { tx[clientSignatureOffset(tx) + 7] ^= 0x5a; },
      error: "invalid_exact_svm_payload_signature_invalid", verifies: 1 },
  ];
  const servedBefore = api.served["/api/weather"] || 0;
  const start = { ...await balances(), other: await chain.usdcOf(other.address) };
  const calls = { ...facilitator.calls }, sent = chain.calls.sendTransaction;
  let verifies = 0;
  for (const wrong of cases) {
    const { payload } = await new ExactSvmClientScheme(buyer, { rpcUrl: chain.url }).createPaymentPayload(2, { ...real, ...wrong.sign });
    const tx = Buffer.from(payload.transaction, "base64");
    wrong.edit?.(tx);
    const header = Buffer.from(JSON.stringify({ x402Version: 2, accepted: real, payload: { transaction: tx.toString("base64") } })).toString("base64");
    const res = await fetch(gw.url("/api/weather"), { headers: { "PAYMENT-SIGNATURE": header } });
    assert.equal(res.status, 402, wrong.name);
    assert.equal((await res.json()).error, wrong.error, wrong.name);
    verifies += wrong.verifies;
    assert.equal(facilitator.calls.verify - calls.verify, verifies, `${wrong.name}: verify calls`);
  }
  assert.equal(facilitator.calls.settle, calls.settle, "nothing was settled");
  assert.equal(chain.calls.sendTransaction, sent, "nothing was sent to the chain");
  assert.equal(api.served["/api/weather"] || 0, servedBefore, "the upstream was never called");
  assert.deepEqual({ ...await balances(), other: await chain.usdcOf(other.address) }, start, "no balance moved");
});
