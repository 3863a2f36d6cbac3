// Settle intents (src/payment/settle_intents.hpp): a kill -9 of the gateway while a /settle is in
// flight, before any timeout could journal it, must not lose the payment. The scripted facilitator
// models the chain with a ledger: a nonce lands once, and a /settle of a nonce that already landed
// answers the original transaction without a second landing (an idempotent facilitator). The
// /settle hangs; the gateway is killed; the payment then lands; the gateway restarts on the same
// state.dir; the reconciler asks again with the very same /settle body; the buyer re-presents the
// payment and is served, once, with no second landing (rules R2 and R5 in README.md).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startGateway, startUpstream, startFacilitator, baseConfig, challenge, paymentHeader, decodeHeader, BUYER } from "../support/gateway.mjs";
import { metric, waitFor } from "../support/raw.mjs";

let upstream, facilitator, stateDir;
const ledger = new Map();  // nonce -> transaction: what landed on the "chain"
let landings = 0;
let hangSettles = false;

const nonceOf = (b) => b.paymentPayload.payload.authorization.nonce;
function land(nonce) {
  if (ledger.has(nonce)) return ledger.get(nonce);
  landings += 1;
  const tx = "0x" + nonce.replace(/^0x/, "").padStart(64, "0").slice(0, 64);
  ledger.set(nonce, tx);
  return tx;
}

before(async () => {
  upstream = await startUpstream();
  facilitator = await startFacilitator({
    verify: (b) => ledger.has(nonceOf(b))
      ? { body: { isValid: false, invalidReason: "invalid_exact_evm_nonce_already_used", payer: BUYER } }
      : { body: { isValid: true, payer: BUYER } },
    settle: (b) => {
      const network = b.paymentRequirements.network;
      // Already on the chain: the original transaction again, nothing lands twice.
      if (ledger.has(nonceOf(b))) return { body: { success: true, transaction: ledger.get(nonceOf(b)), network, payer: BUYER } };
      if (hangSettles) return { hang: true };  // lands later, when the test says so
      return { body: { success: true, transaction: land(nonceOf(b)), network, payer: BUYER } };
    },
  });
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "x402gw-intents-"));
});

after(async () => {
  await upstream.close();
  await facilitator.close();
  fs.rmSync(stateDir, { recursive: true, force: true });
});

// A facilitator timeout far longer than the test: the /settle is still in flight at the kill, so
// the timeout path (the settlement journal) never sees it.
const config = () => baseConfig({
  upstream: upstream.url, facilitator: facilitator.url,
  extra: `state: { dir: "${stateDir}" }`,
  routes: `  - { match: "GET /before", price: "$0.01", settlement: before }`,
}).replace(/timeout: 2s/, "timeout: 60s");

const settles = () => facilitator.calls.filter((c) => c.endpoint === "settle");
// The start-up log line of the recovery, parsed.
const recovery = (gw) => gw.stderr().split("\n").filter(Boolean).map((l) => JSON.parse(l)).find((l) => l.msg.startsWith("settle intents recovered"));
const journal = () => { try { return fs.readFileSync(path.join(stateDir, "unknown-settlements.jsonl"), "utf8"); } catch { return ""; } };

test("kill -9 while /settle is in flight: after the restart the landed payment is reconciled and its re-presentation served once, with no second landing", async () => {
  let gw = await startGateway(config());
  let header, nonce;
  try {
    const c = await challenge(gw.url("/before"));
    header = paymentHeader(2, c.v2, { nonce: "5e".repeat(32) });
    nonce = "0x" + "5e".repeat(32);
    hangSettles = true;
    const controller = new AbortController();
    const inflight = fetch(gw.url("/before"), { headers: { "PAYMENT-SIGNATURE": header }, signal: controller.signal }).catch(() => null);
    assert.ok(await waitFor(() => settles().length === 1, { ms: 5000 }), "the /settle went out");
    // Nothing journaled yet: the settle has not timed out. Only the write-ahead intent knows it.
    assert.doesNotMatch(journal(), /"type":"unknown"/);
    gw.signal("SIGKILL");
    controller.abort();
    await inflight;
    assert.equal((await gw.exited).signal, "SIGKILL");
  } finally {
    await gw.stop();
  }
  assert.equal(upstream.requests.length, 0, "settle-before: the upstream was not called before the settlement");

  // The settlement the dead gateway sent lands after all: the buyer is charged.
  land(nonce);
  hangSettles = false;
  assert.equal(landings, 1);

  gw = await startGateway(config());
  try {
    // The re-presentation is pending until the reconciler learns that it landed, then served.
    let last;
    assert.ok(await waitFor(async () => {
      last = await fetch(gw.url("/before"), { headers: { "PAYMENT-SIGNATURE": header } });
      if (last.status !== 200) await last.arrayBuffer();
      return last.status === 200;
    }, { ms: 15000, every: 250 }), `not served (last ${last?.status}):\n${gw.stderr()}`);
    const receipt = decodeHeader(last.headers.get("payment-response"));
    assert.equal(receipt.success, true);
    assert.equal(receipt.transaction, ledger.get(nonce), "the receipt names the transaction that landed");
    assert.deepEqual(await last.json(), { ok: true, path: "/before" });

    assert.equal(landings, 1, "no second landing");
    assert.equal(upstream.requests.length, 1, "the upstream was called once");
    // The reconciler asked with the very /settle body the dead gateway had sent.
    assert.ok(settles().length >= 2);
    for (const s of settles()) assert.deepEqual(s.body, settles()[0].body);
    assert.equal(recovery(gw)?.intents, 1, gw.stderr());
    assert.equal(recovery(gw).level, "warn");
    assert.ok(await waitFor(async () => (await metric(gw, "x402gw_unknown_settlements")) === 0));
    // The intent went to the journal; its segment is gone.
    assert.match(journal(), /"type":"unknown"/);
  } finally {
    await gw.stop();
  }
  // A clean stop leaves no segment behind.
  const left = fs.existsSync(path.join(stateDir, "intents")) ? fs.readdirSync(path.join(stateDir, "intents")) : [];
  assert.deepEqual(left, []);
});

test("a clean run records and clears an intent for every /settle: nothing is recovered at the next start", async () => {
  let gw = await startGateway(config());
  try {
    const c = await challenge(gw.url("/before"));
    const res = await fetch(gw.url("/before"), { headers: { "PAYMENT-SIGNATURE": paymentHeader(2, c.v2) } });
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    // Killed after the answer: the intent had its done mark.
    gw.signal("SIGKILL");
    await gw.exited;
  } finally {
    await gw.stop();
  }
  gw = await startGateway(config());
  try {
    assert.equal(recovery(gw)?.intents, 0, gw.stderr());
    assert.equal(recovery(gw).segments, 1, "the segment the killed process left was read");
    assert.equal(await metric(gw, "x402gw_unknown_settlements"), 0);
  } finally {
    await gw.stop();
  }
});

test("state.dir's intents folder gone: the payment is still served, the /settle goes out unrecorded, and the metric and the log say so", async () => {
  const gw = await startGateway(config());
  try {
    fs.rmSync(path.join(stateDir, "intents"), { recursive: true, force: true });
    assert.equal(await metric(gw, "x402gw_settle_intents_unrecorded_total"), 0);
    const c = await challenge(gw.url("/before"));
    const res = await fetch(gw.url("/before"), { headers: { "PAYMENT-SIGNATURE": paymentHeader(2, c.v2) } });
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    assert.equal(await metric(gw, "x402gw_settle_intents_unrecorded_total"), 1);
    assert.match(gw.stderr(), /"msg":"settle intents: cannot record a \/settle before sending it/);
  } finally {
    await gw.stop();
  }
});
