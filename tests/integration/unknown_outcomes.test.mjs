// Unknown settlement outcomes, made durable, and the payment-identifier extension, against the real
// gateway and a scripted facilitator: a /settle that hangs past its timeout is journaled under
// state.dir; the same payment is answered 402 payment_pending (with Retry-After) until the
// reconciler, asking again with the same /settle body, learns that it landed; then it is served
// again with no second charge. A kill -9 in between loses nothing: the restarted gateway reads the
// journal, refuses the payment as pending, and reconciles it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startGateway, startUpstream, startFacilitator, baseConfig, challenge, paymentHeader, decodeHeader } from "../support/gateway.mjs";
import { metric, waitFor } from "../support/raw.mjs";

let upstream, facilitator, stateDir;
// What /settle does now: "hang" (this settlement lands, but its answer comes past the gateway's 1s
// timeout), then "used" (the nonce was used: no proof of payment without `chains:`), then "ok". A
// "used" answer waits for `usedGate` (when set): the test opens it once it has seen the payment
// pending, so that the reconciler's asks, whenever they come, are answered once each and the counts
// below are exact: the request's settle, one "used", one "ok".
let settleMode = "ok";
let usedGate = null;

before(async () => {
  upstream = await startUpstream();
  facilitator = await startFacilitator({
    settle: (b) => {
      if (settleMode === "hang") {
        settleMode = "used";
        return { delayMs: 2500, body: { success: true, transaction: "0x" + "cd".repeat(32), network: b.paymentRequirements.network } };
      }
      if (settleMode === "used") {
        // Answered once (when the gate opens); the reconciler's next ask finds a settlement naming
        // its transaction (as an idempotent facilitator answers): only that proves it landed.
        settleMode = "ok";
        return { until: usedGate, status: 400, body: { success: false, errorReason: "invalid_exact_evm_nonce_already_used", transaction: "", network: b.paymentRequirements.network, payer: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC" } };
      }
      return { body: { success: true, transaction: "0x" + "ab".repeat(32), network: b.paymentRequirements.network, payer: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC" } };
    },
  });
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "x402gw-state-"));
});

after(async () => {
  await upstream.close();
  await facilitator.close();
  fs.rmSync(stateDir, { recursive: true, force: true });
});

function config(extraRoutes = "") {
  return baseConfig({
    upstream: upstream.url, facilitator: facilitator.url,
    facilitatorExtra: ", timeout: 1s",
    extra: `state: { dir: "${stateDir}" }`,
    routes: `  - { match: "GET /paid", price: "$0.01" }
  - { match: "GET /before", price: "$0.01", settlement: before }
  - { match: "GET /replay", price: "$0.01", payment_identifier: { required: true, mode: replay_answer, ttl: 60s, max_bytes: 4KiB } }
  - { match: "GET /fresh", price: "$0.01", payment_identifier: { mode: fresh_call } }
${extraRoutes}`,
  }).replace(/timeout: 2s, timeout: 1s/, "timeout: 1s");
}

const settles = () => facilitator.calls.filter((c) => c.endpoint === "settle");
const journal = () => { try { return fs.readFileSync(path.join(stateDir, "unknown-settlements.jsonl"), "utf8"); } catch { return ""; } };

for (const route of ["/paid", "/before"]) {
  test(`${route}: settle hangs past its timeout -> journaled, 402 payment_pending, reconciled as landed, then served once more without a second charge`, async () => {
    const gw = await startGateway(config());
    try {
      facilitator.calls.length = 0;
      upstream.requests.length = 0;
      settleMode = "hang";
      let openGate;
      usedGate = new Promise((r) => { openGate = r; });
      const c = await challenge(gw.url(route));
      const header = paymentHeader(2, c.v2);
      const res = await fetch(gw.url(route), { headers: { "PAYMENT-SIGNATURE": header } });
      assert.equal(res.status, 504);
      assert.equal((await res.json()).error, "facilitator_timeout");
      // Settled after the answer (/paid): the upstream was called once; settled before it (/before): never.
      const upstreamBefore = route === "/paid" ? 1 : 0;
      assert.equal(upstream.requests.length, upstreamBefore);

      // Durable before the client got its answer: the exact /settle body is in the journal.
      const line = journal().trim().split("\n").map((l) => JSON.parse(l)).find((r) => r.type === "unknown" && r.route === route.replace(/^\/?/, "GET /"));
      assert.ok(line, journal());
      assert.deepEqual(JSON.parse(line.body), settles()[0].body);
      assert.equal(await metric(gw, "x402gw_unknown_settlements"), 1);
      // The operator's dashboard shows it: an unknown outcome, one settlement being reconciled.
      const summary = await (await fetch(gw.admin("/admin/summary"))).json();
      assert.equal(summary.payments.outcomes.unknown, 1);
      assert.equal(summary.reconciliation.pending, 1);
      assert.equal(summary.reconciliation.items.length, 1);
      assert.ok(summary.reconciliation.oldest_age_seconds >= 0 && summary.reconciliation.oldest_age_seconds < 60);
      assert.ok((await (await fetch(gw.admin("/metrics"))).text()).includes("\nx402gw_unknown_settlement_oldest_age_seconds "));

      const pending = await fetch(gw.url(route), { headers: { "PAYMENT-SIGNATURE": header } });
      assert.equal(pending.status, 402);
      assert.equal((await pending.json()).error, "payment_pending");
      assert.ok(Number(pending.headers.get("retry-after")) >= 1);
      assert.equal(upstream.requests.length, upstreamBefore, "a pending payment is not served");
      openGate();

      // The reconciler asks again with the same body; a used nonce alone proves nothing (no
      // `chains:` here): it stays pending. Its next ask finds a settlement naming its transaction.
      assert.notEqual(settleMode, "hang");
      assert.ok(await waitFor(() => /nothing proves the payment landed/.test(gw.stderr())), gw.stderr());
      assert.equal(await metric(gw, 'x402gw_settlements_reconciled_total{result="settled"}'), 0, "a used nonce is no proof of payment");
      assert.equal((await fetch(gw.url(route), { headers: { "PAYMENT-SIGNATURE": header } })).status, 402);
      assert.ok(await waitFor(async () => (await metric(gw, 'x402gw_settlements_reconciled_total{result="settled"}')) === 1), gw.stderr());
      assert.equal(await metric(gw, "x402gw_unknown_settlements"), 0);
      const resolved = await (await fetch(gw.admin("/admin/summary"))).json();
      assert.equal(resolved.reconciled.settled, 1);
      assert.equal(resolved.reconciliation.pending, 0);
      assert.equal(resolved.reconciliation.oldest_age_seconds, 0);
      assert.equal(settles().length, 3, "the request's settle and exactly two from the reconciler (used, then ok)");
      for (const s of settles()) assert.deepEqual(s.body, settles()[0].body);
      const settleCount = settles().length;
      const verifyCount = facilitator.calls.filter((c) => c.endpoint === "verify").length;
      assert.equal(verifyCount, 1, "only the first presentation was verified");

      const served = await fetch(gw.url(route), { headers: { "PAYMENT-SIGNATURE": header } });
      assert.equal(served.status, 200);
      const receipt = decodeHeader(served.headers.get("payment-response"));
      assert.equal(receipt.success, true);
      assert.equal(upstream.requests.length, upstreamBefore + 1, "the upstream is called again");
      assert.equal(settles().length, settleCount, "no second settlement");
      assert.equal(facilitator.calls.filter((c) => c.endpoint === "verify").length, verifyCount, "no second verify");
      assert.match(journal(), /"type":"resolved"/);
    } finally {
      settleMode = "ok";
      usedGate = null;
      await gw.stop();
    }
  });
}

test("kill -9 between the settlement and its answer (and a torn last journal line): the restarted gateway reads the journal, answers payment_pending, and reconciles", async () => {
  let gw = await startGateway(config());
  let header, openGate;
  try {
    facilitator.calls.length = 0;
    upstream.requests.length = 0;
    settleMode = "hang";
    usedGate = new Promise((r) => { openGate = r; });
    const c = await challenge(gw.url("/paid"));
    header = paymentHeader(2, c.v2);
    // The client gives up before the answer; the gateway is killed while the settlement hangs.
    const controller = new AbortController();
    const inflight = fetch(gw.url("/paid"), { headers: { "PAYMENT-SIGNATURE": header }, signal: controller.signal }).catch(() => null);
    assert.ok(await waitFor(async () => journal().includes(`"type":"unknown"`) && (await metric(gw, "x402gw_unknown_settlements")) === 1, { ms: 5000 }));
    gw.signal("SIGKILL");
    controller.abort();
    await inflight;
    assert.equal((await gw.exited).signal, "SIGKILL");
  } finally {
    await gw.stop();
  }

  // As if the process had died in the middle of writing another entry: a torn last line.
  const file = path.join(stateDir, "unknown-settlements.jsonl");
  const whole = fs.readFileSync(file, "utf8").trim().split("\n").pop();
  fs.appendFileSync(file, whole.slice(0, Math.floor(whole.length / 2)));

  // A new process on the same state.dir; the settlement is still hanging.
  gw = await startGateway(config());
  try {
    assert.match(gw.stderr(), /"msg":"settlement journal open".*"unknown_outcomes":1.*"unreadable_lines":1/);
    const pending = await fetch(gw.url("/paid"), { headers: { "PAYMENT-SIGNATURE": header } });
    assert.equal(pending.status, 402);
    assert.equal((await pending.json()).error, "payment_pending");
    assert.notEqual(settleMode, "hang");
    openGate();
    assert.ok(await waitFor(async () => (await fetch(gw.url("/paid"), { headers: { "PAYMENT-SIGNATURE": header } })).status === 200), gw.stderr());
    assert.ok(await waitFor(async () => (await metric(gw, "x402gw_unknown_settlements")) === 0));
    // Exactly: the killed request's settle and two from the restarted gateway's reconciler (used,
    // then ok); the upstream once for the killed request (settled after the answer) and once for the
    // one served.
    assert.equal(settles().length, 3);
    assert.equal(upstream.requests.length, 2);
  } finally {
    settleMode = "ok";
    usedGate = null;
    await gw.stop();
  }
  // Compacted on the next start: nothing open is left.
  const gw3 = await startGateway(config());
  try {
    assert.match(gw3.stderr(), /"msg":"settlement journal open".*"unknown_outcomes":0/);
    assert.equal(journal(), "");
  } finally {
    await gw3.stop();
  }
});

// ---- payment-identifier ---------------------------------------------------------------------

function withId(accepted, id, opts = {}) {
  const doc = JSON.parse(Buffer.from(paymentHeader(2, accepted, opts), "base64").toString());
  if (id !== undefined) doc.extensions = { "payment-identifier": { info: { required: true, id } } };
  return Buffer.from(JSON.stringify(doc)).toString("base64");
}

test("payment-identifier: advertised; required and missing -> 400; same id and payload -> the first answer; another payload -> 409", async () => {
  const gw = await startGateway(config());
  try {
    facilitator.calls.length = 0;
    upstream.requests.length = 0;
    const c = await challenge(gw.url("/replay"));
    assert.equal(c.v2doc.extensions["payment-identifier"].info.required, true);
    assert.equal(c.v2doc.extensions["payment-identifier"].schema.properties.id.minLength, 16);
    const plain = await challenge(gw.url("/paid"));
    assert.equal(plain.v2doc.extensions, undefined, "not advertised where not enabled");

    const missing = await fetch(gw.url("/replay"), { headers: { "PAYMENT-SIGNATURE": withId(c.v2, undefined) } });
    assert.equal(missing.status, 400);
    assert.equal((await missing.json()).error, "payment_identifier_required");
    const malformed = await fetch(gw.url("/replay"), { headers: { "PAYMENT-SIGNATURE": withId(c.v2, "short") } });
    assert.equal(malformed.status, 400);
    assert.equal(facilitator.calls.length, 0, "refused before the facilitator");

    const id = "pay_" + "1".repeat(32);
    const header = withId(c.v2, id);
    const first = await fetch(gw.url("/replay"), { headers: { "PAYMENT-SIGNATURE": header } });
    assert.equal(first.status, 200);
    const firstBody = await first.text();
    const calls = facilitator.calls.length;
    const again = await fetch(gw.url("/replay"), { headers: { "PAYMENT-SIGNATURE": header } });
    assert.equal(again.status, 200);
    assert.equal(await again.text(), firstBody);
    assert.equal(again.headers.get("payment-response"), first.headers.get("payment-response"));
    assert.equal(upstream.requests.length, 1, "replay_answer: the first answer, not a new call");
    assert.equal(facilitator.calls.length, calls);

    const conflict = await fetch(gw.url("/replay"), { headers: { "PAYMENT-SIGNATURE": withId(c.v2, id) } });  // a new nonce
    assert.equal(conflict.status, 409);
    assert.equal((await conflict.json()).error, "payment_identifier_conflict");
    assert.equal(facilitator.calls.length, calls);
  } finally {
    await gw.stop();
  }
});

test("payment-identifier fresh_call: same id and payload after the answer was delivered -> 402 payment_already_used (R3), no second settlement; optional id may be left out", async () => {
  const gw = await startGateway(config());
  try {
    facilitator.calls.length = 0;
    upstream.requests.length = 0;
    const c = await challenge(gw.url("/fresh"));
    assert.equal(c.v2doc.extensions["payment-identifier"].info.required, false);
    assert.equal((await fetch(gw.url("/fresh"), { headers: { "PAYMENT-SIGNATURE": paymentHeader(2, c.v2) } })).status, 200);
    const header = withId(c.v2, "pay_" + "2".repeat(32));
    assert.equal((await fetch(gw.url("/fresh"), { headers: { "PAYMENT-SIGNATURE": header } })).status, 200);
    const again = await fetch(gw.url("/fresh"), { headers: { "PAYMENT-SIGNATURE": header } });
    assert.equal(again.status, 402);
    assert.equal((await again.json()).error, "payment_already_used");
    assert.equal(upstream.requests.length, 2);
    assert.equal(settles().length, 2);
  } finally {
    await gw.stop();
  }
});

test("a settle refused after a bound id frees the id for a new payload", async () => {
  const gw = await startGateway(config());
  try {
    const c = await challenge(gw.url("/fresh"));
    const id = "pay_" + "3".repeat(32);
    facilitator.script.verify = () => ({ body: { isValid: false, invalidReason: "invalid_exact_evm_signature" } });
    assert.equal((await fetch(gw.url("/fresh"), { headers: { "PAYMENT-SIGNATURE": withId(c.v2, id) } })).status, 402);
    facilitator.script.verify = undefined;
    assert.equal((await fetch(gw.url("/fresh"), { headers: { "PAYMENT-SIGNATURE": withId(c.v2, id) } })).status, 200);
  } finally {
    facilitator.script.verify = undefined;
    await gw.stop();
  }
});
