// The money rules R2 and R3 (README, security model) against the real gateway and a scripted
// facilitator, over real sockets:
//   R2: a payment that landed has its answer delivered once; until then, presenting it again gets
//       it with no second charge (the forward failed before any byte, the client left after the
//       settlement, the outcome was unknown and has been reconciled), whatever on_repeat says;
//   R3: once its answer was delivered (its response head went out), it buys nothing more: 402
//       payment_already_used, unless the route sells a pass (on_repeat: pass), or a
//       payment-identifier replays the kept first answer without calling the upstream.
// The on_repeat x payment_identifier.mode table of the README is tested row by row at the end.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { startGateway, startUpstream, startFacilitator, baseConfig, challenge, paymentHeader, decodeHeader } from "../support/gateway.mjs";
import { metric, waitFor, sleep } from "../support/raw.mjs";

let upstream, facilitator, gw, stateDir;
// Upstream paths whose next requests are cut before any byte of an answer (the socket destroyed).
const cutNext = new Map();
// What /settle does now: "ok", "slow" (answers after 700 ms), "hang" (past the 1 s timeout), "used",
// "5xx" (500 with no SettleResponse).
let settleMode = "ok";

before(async () => {
  upstream = await startUpstream((req, res) => {
    const left = cutNext.get(req.url) || 0;
    if (left > 0) {
      cutNext.set(req.url, left - 1);
      return req.socket.destroy();
    }
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ ok: true, path: req.url, big: req.url.startsWith("/ra-small") ? "x".repeat(2048) : "" }));
  });
  facilitator = await startFacilitator({
    settle: (b) => {
      const ok = { body: { success: true, transaction: "0x" + "ab".repeat(32), network: b.paymentRequirements.network, payer: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC" } };
      if (settleMode === "slow") return { ...ok, delayMs: 700 };
      if (settleMode === "hang") return { ...ok, delayMs: 2500 };
      if (settleMode === "5xx") return { status: 500, raw: "internal error" };
      if (settleMode === "used")
        return { status: 400, body: { success: false, errorReason: "invalid_exact_evm_nonce_already_used", transaction: "", network: b.paymentRequirements.network } };
      return ok;
    },
  });
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "x402gw-rules-"));
  const cfg = baseConfig({
    upstream: upstream.url, facilitator: facilitator.url,
    facilitatorExtra: ", timeout: 1s",
    extra: `state: { dir: "${stateDir}" }`,
    routes: `  - { match: "GET /paid", price: "$0.01" }
  - { match: "GET /before", price: "$0.01", settlement: before }
  - { match: "GET /refuse", price: "$0.01", on_repeat: refuse }
  - { match: "GET /pass", price: "$0.01", on_repeat: pass }
  - { match: "GET /flaky-before", price: "$0.01", settlement: before, on_repeat: refuse }
  - { match: "GET /left", price: "$0.01", on_repeat: refuse }
  - { match: "GET /left-before", price: "$0.01", settlement: before }
  - { match: "GET /fc-refuse", price: "$0.01", payment_identifier: { mode: fresh_call } }
  - { match: "GET /fc-pass", price: "$0.01", on_repeat: pass, payment_identifier: { mode: fresh_call } }
  - { match: "GET /ra-refuse", price: "$0.01", payment_identifier: { mode: replay_answer } }
  - { match: "GET /ra-pass", price: "$0.01", on_repeat: pass, payment_identifier: { mode: replay_answer } }
  - { match: "GET /ra-small", price: "$0.01", payment_identifier: { mode: replay_answer, max_bytes: 1KiB } }
  - { match: "GET /ra-left", price: "$0.01", payment_identifier: { mode: replay_answer, ttl: 3s } }`,
  }).replace(/timeout: 2s, timeout: 1s/, "timeout: 1s");
  gw = await startGateway(cfg);
});

after(async () => {
  await gw?.stop();
  await upstream.close();
  await facilitator.close();
  fs.rmSync(stateDir, { recursive: true, force: true });
});

const count = (endpoint) => facilitator.calls.filter((c) => c.endpoint === endpoint).length;
const hits = (p) => upstream.requests.filter((r) => r.url === p).length;
// A presentation, returned once the gateway has ended the request (its access log line is out):
// the delivery is recorded an instant after the client has the answer, and a presentation in that
// instant would get 402 payment_in_flight (slow builds, ASan, show it).
const pay = async (p, header) => {
  const logged = () => gw.access.filter((l) => l.path === p).length;
  const before = logged();
  const res = await fetch(gw.url(p), { headers: { "PAYMENT-SIGNATURE": header } });
  await waitFor(() => logged() > before, { ms: 5000 });
  return res;
};

function withId(accepted, id) {
  const doc = JSON.parse(Buffer.from(paymentHeader(2, accepted), "base64").toString());
  doc.extensions = { "payment-identifier": { info: { required: false, id } } };
  return Buffer.from(JSON.stringify(doc)).toString("base64");
}

async function refusedAsUsed(p, header) {
  const res = await pay(p, header);
  assert.equal(res.status, 402, `${p}: ${res.status}`);
  assert.equal((await res.json()).error, "payment_already_used");
}

for (const p of ["/paid", "/before", "/refuse"]) {
  test(`R3 by default (${p}): a delivered payment presented again is 402 payment_already_used; the upstream is not called`, async () => {
    const c = await challenge(gw.url(p));
    const header = paymentHeader(2, c.v2);
    const first = await pay(p, header);
    assert.equal(first.status, 200);
    await first.text();
    const [verifies, settles, upstreamHits] = [count("verify"), count("settle"), hits(p)];
    for (let i = 0; i < 3; i++) await refusedAsUsed(p, header);
    assert.equal(hits(p), upstreamHits, "one payment, one answer");
    assert.equal(count("verify"), verifies);
    assert.equal(count("settle"), settles);
  });
}

test("on_repeat: pass sells a pass: a delivered payment is served again with its receipt, never charged again", async () => {
  const c = await challenge(gw.url("/pass"));
  const header = paymentHeader(2, c.v2);
  assert.equal((await pay("/pass", header)).status, 200);
  const settles = count("settle");
  for (let i = 0; i < 2; i++) {
    const again = await pay("/pass", header);
    assert.equal(again.status, 200);
    assert.equal(decodeHeader(again.headers.get("payment-response")).transaction, "0x" + "ab".repeat(32));
  }
  assert.equal(hits("/pass"), 3);
  assert.equal(count("settle"), settles);
});

test("R2: the forward failed before any byte of the answer (settle-before, on_repeat: refuse) -> the next presentation is served once, with no second charge; then R3", async () => {
  const c = await challenge(gw.url("/flaky-before"));
  const header = paymentHeader(2, c.v2);
  cutNext.set("/flaky-before", 2);  // the first forward (and the one retry of a stale pooled connection) is cut
  const failed = await pay("/flaky-before", header);
  assert.equal(failed.status, 502, await failed.clone().text());
  assert.ok(failed.headers.get("payment-response"), "charged: the receipt goes with the failure");
  cutNext.set("/flaky-before", 0);
  const [verifies, settles] = [count("verify"), count("settle")];
  const served = await pay("/flaky-before", header);
  assert.equal(served.status, 200);
  assert.equal(decodeHeader(served.headers.get("payment-response")).transaction, "0x" + "ab".repeat(32));
  await served.text();
  assert.equal(count("verify"), verifies, "no second /verify");
  assert.equal(count("settle"), settles, "no second /settle");
  const delivered = hits("/flaky-before");
  await refusedAsUsed("/flaky-before", header);
  assert.equal(hits("/flaky-before"), delivered);
});

// The client sends the request and leaves while /settle is under way: the settlement lands, no
// byte of the answer goes out, so the payment is landed and not delivered.
async function leaveDuringSettle(p, header) {
  const settlesBefore = count("settle");
  const socket = net.connect(gw.port);
  await new Promise((r) => socket.once("connect", r));
  socket.write(`GET ${p} HTTP/1.1\r\nHost: 127.0.0.1\r\nPAYMENT-SIGNATURE: ${header}\r\n\r\n`);
  assert.ok(await waitFor(() => count("settle") > settlesBefore, { ms: 5000 }));
  socket.destroy();
  await sleep(1200);  // the settlement answers after 700 ms; the gateway finds the client gone
}

for (const p of ["/left", "/left-before"]) {
  test(`R2: the client left after the settlement, before the answer's head (${p}) -> served once on its next presentation, no second charge; then R3`, async () => {
    const c = await challenge(gw.url(p));
    const header = paymentHeader(2, c.v2);
    settleMode = "slow";
    try {
      await leaveDuringSettle(p, header);
    } finally {
      settleMode = "ok";
    }
    const settles = count("settle");
    const served = await pay(p, header);
    assert.equal(served.status, 200, await served.clone().text());
    await served.text();
    assert.equal(count("settle"), settles, "no second /settle");
    await refusedAsUsed(p, header);
  });
}

// A kept answer is replayed without touching the claim: an answer kept though it never went out
// (the client left after the settlement) left the payment landed after that replay, so once the
// id's answer expired the same payment was served by the upstream a second time (R2/R3 broken).
test("R2 then R3 with replay_answer: the client left after the settlement -> one delivered answer; after the id's ttl, payment_already_used", async () => {
  const c = await challenge(gw.url("/ra-left"));
  const header = withId(c.v2, "pay_" + Math.random().toString(36).slice(2).padEnd(24, "0"));
  settleMode = "slow";
  try {
    await leaveDuringSettle("/ra-left", header);
  } finally {
    settleMode = "ok";
  }
  const settles = count("settle");
  const served = await pay("/ra-left", header);
  assert.equal(served.status, 200, await served.clone().text());
  await served.text();
  const delivered = hits("/ra-left");
  await sleep(3500);  // the id's ttl (3 s) runs out
  await refusedAsUsed("/ra-left", header);
  assert.equal(hits("/ra-left"), delivered, "one payment, one delivered answer");
  assert.equal(count("settle"), settles, "no second /settle");
});

test("R2 whatever on_repeat says (on_repeat: refuse): an unknown outcome reconciled as landed is served once, then R3", async () => {
  const c = await challenge(gw.url("/refuse"));
  const header = paymentHeader(2, c.v2);
  settleMode = "hang";
  let reconciled = 0;
  try {
    reconciled = await metric(gw, 'x402gw_settlements_reconciled_total{result="settled"}');
    const res = await pay("/refuse", header);
    assert.equal(res.status, 504);
    const pending = await pay("/refuse", header);
    assert.equal(pending.status, 402);
    assert.equal((await pending.json()).error, "payment_pending");
    // The reconciler's next ask gets a settlement naming its transaction (a used nonce alone is no
    // proof of payment without `chains:`): it landed.
    settleMode = "ok";
    assert.ok(await waitFor(async () => (await metric(gw, 'x402gw_settlements_reconciled_total{result="settled"}')) === reconciled + 1), gw.stderr());
  } finally {
    settleMode = "ok";
  }
  const [settles, verifies, upstreamHits] = [count("settle"), count("verify"), hits("/refuse")];
  const served = await pay("/refuse", header);
  assert.equal(served.status, 200, await served.clone().text());
  await served.text();
  assert.equal(hits("/refuse"), upstreamHits + 1);
  assert.equal(count("settle"), settles);
  assert.equal(count("verify"), verifies);
  await refusedAsUsed("/refuse", header);
  assert.equal(hits("/refuse"), upstreamHits + 1);
});

// A 5xx to /settle comes from a facilitator that had the settlement: it may have landed. It was
// answered with a failed receipt and the claim released, so the same payment went to /settle again.
test("R5 and R1: /settle answered 5xx -> no failed receipt, the claim is kept (payment_pending, no second /settle); reconciled, it is served once", async () => {
  const c = await challenge(gw.url("/paid"));
  const header = paymentHeader(2, c.v2);
  settleMode = "5xx";
  let reconciled = 0;
  try {
    reconciled = await metric(gw, 'x402gw_settlements_reconciled_total{result="settled"}');
    const res = await pay("/paid", header);
    assert.equal(res.status, 502, await res.clone().text());
    assert.equal(res.headers.get("payment-response"), null, "never told it failed: it may have landed");
    await res.text();
    const settles = count("settle");
    const again = await pay("/paid", header);
    assert.equal(again.status, 402);
    assert.equal((await again.json()).error, "payment_pending");
    assert.ok(count("settle") <= settles + 1, "only the reconciler asks again");
    // It landed: the reconciler's repeated /settle is answered with the settlement naming its
    // transaction ("nonce used" alone would prove nothing).
    settleMode = "ok";
    assert.ok(await waitFor(async () => (await metric(gw, 'x402gw_settlements_reconciled_total{result="settled"}')) === reconciled + 1), gw.stderr());
  } finally {
    settleMode = "ok";
  }
  const served = await pay("/paid", header);
  assert.equal(served.status, 200, await served.clone().text());
  await served.text();
  await refusedAsUsed("/paid", header);
});

// ---- on_repeat x payment_identifier.mode: the README's table, row by row ----------------------
// Each row: the same payment, with the same id, presented again after its answer was delivered.
const rows = [
  { route: "/fc-refuse", table: "refuse (default) + fresh_call (default)", status: 402, upstreamAgain: false },
  { route: "/fc-pass", table: "pass + fresh_call", status: 200, upstreamAgain: true },
  { route: "/ra-refuse", table: "refuse + replay_answer, answer kept", status: 200, upstreamAgain: false },
  { route: "/ra-pass", table: "pass + replay_answer, answer kept", status: 200, upstreamAgain: false },
  { route: "/ra-small", table: "refuse + replay_answer, answer too large to keep", status: 402, upstreamAgain: false },
];
for (const row of rows) {
  test(`table row "${row.table}": the same id and payload again -> ${row.status}${row.upstreamAgain ? ", upstream called again" : ", upstream not called"}; never a second charge`, async () => {
    const c = await challenge(gw.url(row.route));
    const header = withId(c.v2, "pay_" + Math.random().toString(36).slice(2).padEnd(24, "0"));
    const logged = () => gw.access.filter((l) => l.path === row.route && l.status === 200).length;
    const loggedBefore = logged();
    const first = await pay(row.route, header);
    assert.equal(first.status, 200);
    const firstBody = await first.text();
    // The delivery is recorded once the answer has gone out, an instant after the client read it
    // (a presentation in that instant gets 402 payment_in_flight): the access log line comes after.
    assert.ok(await waitFor(() => logged() > loggedBefore), "the first request ended");
    const [settles, upstreamHits] = [count("settle"), hits(row.route)];
    const again = await pay(row.route, header);
    assert.equal(again.status, row.status);
    if (row.status === 402) assert.equal((await again.json()).error, "payment_already_used");
    else if (!row.upstreamAgain) assert.equal(await again.text(), firstBody, "the kept first answer");
    else await again.text();
    assert.equal(hits(row.route), upstreamHits + (row.upstreamAgain ? 1 : 0));
    assert.equal(count("settle"), settles);
  });
}
