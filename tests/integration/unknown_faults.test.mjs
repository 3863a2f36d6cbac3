// Faults that leave a settlement's outcome unknown, against the real gateway and a scripted
// facilitator: answers to /settle that are not a definite refusal (a proxy's non-JSON 504, a 2xx
// success that names no transaction, "settlement_pending"), a validBefore at the far end of time,
// a drain that ends while /settle hangs, and all of it with the payment state in Redis. Whatever the
// fault, the client is never told "failed", the payment is journaled and reconciled, and once it is
// known to have landed its re-presentation is served without a second settlement.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startGateway, startUpstream, startFacilitator, baseConfig, challenge, paymentHeader, decodeHeader, BUYER } from "../support/gateway.mjs";
import { startRedis } from "../support/redis.mjs";
import { metric, waitFor, sleep } from "../support/raw.mjs";

let upstream, facilitator, redis;
// What /settle answers now (a function of the request body), or "ok".
let settleAnswer = null;
const TX = "0x" + "ab".repeat(32);
const landed = (b) => ({ body: { success: true, transaction: TX, network: b.paymentRequirements.network, payer: BUYER } });

before(async () => {
  // GET /hang is never answered: a paid request holds its claim while it waits.
  upstream = await startUpstream((req, res) => {
    if (req.url.startsWith("/hang")) return;
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ ok: true, path: req.url }));
  });
  facilitator = await startFacilitator({ settle: (b) => (settleAnswer ? settleAnswer(b) : landed(b)) });
  redis = await startRedis();
});

after(async () => {
  await upstream.close();
  await facilitator.close();
  await redis.stop();
});

function config(stateDir, { redisPrefix, drain, facilitatorTimeout = "1s" } = {}) {
  const state = redisPrefix
    ? `state: { dir: "${stateDir}", store: redis, url: "${redis.url}", key_prefix: "${redisPrefix}", timeout: 500ms, connect_timeout: 500ms }`
    : `state: { dir: "${stateDir}" }`;
  return baseConfig({
    upstream: upstream.url, facilitator: facilitator.url,
    extra: state + (drain ? `\ntimeouts: { drain: ${drain} }` : ""),
    routes: `  - { match: "GET /paid", price: "$0.01" }
  - { match: "GET /hang", price: "$0.01" }
  - { match: "GET /before", price: "$0.01", settlement: before }`,
  }).replace("timeout: 2s", `timeout: ${facilitatorTimeout}`);
}

// Starts a gateway and waits until it is ready (with Redis: every worker connected).
async function start(yaml, options) {
  const gw = await startGateway(yaml, options);
  assert.ok(await waitFor(async () => (await fetch(gw.admin("/readyz"))).status === 200, { ms: 10000 }), gw.stderr());
  return gw;
}

const settles = () => facilitator.calls.filter((c) => c.endpoint === "settle");
const journalOf = (dir) => { try { return fs.readFileSync(path.join(dir, "unknown-settlements.jsonl"), "utf8"); } catch { return ""; } };
const unknownLines = (dir) => journalOf(dir).split("\n").filter(Boolean).map((l) => JSON.parse(l)).filter((r) => r.type === "unknown");
const stateDir = () => fs.mkdtempSync(path.join(os.tmpdir(), "x402gw-unknown-"));
const pay = (gw, p, header) => fetch(gw.url(p), { headers: { "PAYMENT-SIGNATURE": header } });

function reset() {
  facilitator.calls.length = 0;
  upstream.requests.length = 0;
  settleAnswer = null;
}

// A payment that is pending: answered 402 payment_pending with Retry-After, never served.
async function assertPending(gw, p, header) {
  const upstreamBefore = upstream.requests.length;
  const res = await pay(gw, p, header);
  assert.equal(res.status, 402);
  assert.equal((await res.json()).error, "payment_pending");
  assert.ok(Number(res.headers.get("retry-after")) >= 1);
  assert.equal(upstream.requests.length, upstreamBefore, "a pending payment is not served");
}

// Lets the payment land at the facilitator, waits for the reconciler, and checks that the payment
// is then served once more, with no second settlement.
async function assertReconciledAndServed(gw, p, header, { settled = 1 } = {}) {
  settleAnswer = null;
  assert.ok(await waitFor(async () => (await metric(gw, 'x402gw_settlements_reconciled_total{result="settled"}')) === settled, { ms: 15000 }), gw.stderr());
  assert.equal(await metric(gw, "x402gw_unknown_settlements"), 0);
  const settleCount = settles().length;
  const upstreamBefore = upstream.requests.length;
  const served = await pay(gw, p, header);
  assert.equal(served.status, 200, await served.clone().text());
  assert.equal(decodeHeader(served.headers.get("payment-response")).success, true);
  assert.equal(upstream.requests.length, upstreamBefore + 1);
  assert.equal(settles().length, settleCount, "no second settlement");
}

// ---- defect 3: only a definite refusal is a failure once /settle was written ---------------------

const notRefusals = {
  "a proxy's non-JSON 504 page": () => ({ status: 504, raw: "<html><body><h1>504 Gateway Time-out</h1></body></html>", headers: { "content-type": "text/html" } }),
  "a 2xx success that names no transaction": () => ({ body: { success: true } }),
  'success:false with errorReason "settlement_pending"': (b) => ({ body: { success: false, errorReason: "settlement_pending", transaction: "", network: b.paymentRequirements.network } }),
};

for (const [name, answer] of Object.entries(notRefusals))
  for (const route of ["/paid", "/before"])
    test(`${route}: ${name} after /settle was written -> no failed receipt; journaled, pending, reconciled, then served`, async () => {
      const dir = stateDir();
      const gw = await startGateway(config(dir));
      try {
        reset();
        const c = await challenge(gw.url(route));
        const header = paymentHeader(2, c.v2);
        settleAnswer = answer;
        const res = await pay(gw, route, header);
        assert.equal(res.status, 502);
        assert.equal((await res.json()).error, "settlement_unknown");
        const receipt = res.headers.get("payment-response");
        assert.ok(!receipt || decodeHeader(receipt).success !== false, "never a failed receipt for a payment that may have landed");
        assert.equal(settles().length, 1);
        assert.equal(unknownLines(dir).length, 1, journalOf(dir));
        assert.deepEqual(JSON.parse(unknownLines(dir)[0].body), settles()[0].body);

        await assertPending(gw, route, header);
        await assertReconciledAndServed(gw, route, header);
      } finally {
        settleAnswer = null;
        await gw.stop();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

test("a definite refusal after /settle was written is still a failure: released, failed receipt, nothing journaled", async () => {
  const dir = stateDir();
  const gw = await startGateway(config(dir));
  try {
    reset();
    const c = await challenge(gw.url("/before"));
    const header = paymentHeader(2, c.v2);
    settleAnswer = (b) => ({ status: 400, body: { success: false, errorReason: "invalid_exact_evm_insufficient_balance", transaction: "", network: b.paymentRequirements.network } });
    const res = await pay(gw, "/before", header);
    assert.equal(res.status, 402);
    assert.equal(decodeHeader(res.headers.get("payment-response")).success, false);
    assert.equal(unknownLines(dir).length, 0);
    settleAnswer = null;
    assert.equal((await pay(gw, "/before", header)).status, 200, "released: the same payment may be presented again");
  } finally {
    settleAnswer = null;
    await gw.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// ---- defect 12: a validBefore at the far end of time -------------------------------------------

function farFutureHeader(accepted, validBefore) {
  const doc = {
    x402Version: 2, accepted, resource: { url: "http://x/" },
    payload: {
      signature: "0x" + "aa".repeat(65),
      authorization: { from: BUYER, to: accepted.payTo, value: accepted.amount, validAfter: "0", validBefore, nonce: "0x" + crypto.randomBytes(32).toString("hex") },
    },
  };
  return Buffer.from(JSON.stringify(doc)).toString("base64");
}

for (const validBefore of ["9223372036854775808", "18446744073709551615", "9223372036854775807"])
  test(`validBefore ${validBefore}: the unknown outcome is asked about again (not abandoned at once), then served`, async () => {
    const dir = stateDir();
    const gw = await startGateway(config(dir));
    try {
      reset();
      const c = await challenge(gw.url("/paid"));
      const header = farFutureHeader(c.v2, validBefore);
      settleAnswer = () => ({ hang: true });
      const res = await pay(gw, "/paid", header);
      assert.equal(res.status, 504);
      // The reconciler's first asks find the facilitator still silent: the payment stays unknown.
      assert.ok(await waitFor(() => settles().length >= 3, { ms: 15000 }), `settles: ${settles().length}`);
      assert.equal(await metric(gw, 'x402gw_settlements_reconciled_total{result="abandoned"}'), 0, gw.stderr());
      assert.equal(await metric(gw, "x402gw_unknown_settlements"), 1);
      await assertPending(gw, "/paid", header);
      await assertReconciledAndServed(gw, "/paid", header);
    } finally {
      settleAnswer = null;
      await gw.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

// ---- defect 2: with the payment state in Redis, reconciliation reaches Redis --------------------

test("redis: settle times out, the facilitator later shows it landed -> the re-presentation is served, not pending", async () => {
  const dir = stateDir();
  const prefix = `unknown-${crypto.randomBytes(4).toString("hex")}:`;
  const gw = await start(config(dir, { redisPrefix: prefix }));
  try {
    reset();
    const c = await challenge(gw.url("/paid"));
    const header = paymentHeader(2, c.v2);
    settleAnswer = () => ({ hang: true });
    assert.equal((await pay(gw, "/paid", header)).status, 504);
    await assertPending(gw, "/paid", header);
    await assertReconciledAndServed(gw, "/paid", header);
  } finally {
    settleAnswer = null;
    await gw.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("redis: an unknown outcome across a gateway restart is restored into Redis, reconciled there, then served", async () => {
  const dir = stateDir();
  const prefix = `restart-${crypto.randomBytes(4).toString("hex")}:`;
  let gw = await start(config(dir, { redisPrefix: prefix }));
  let header;
  try {
    reset();
    const c = await challenge(gw.url("/paid"));
    header = paymentHeader(2, c.v2);
    settleAnswer = () => ({ hang: true });
    assert.equal((await pay(gw, "/paid", header)).status, 504);
  } finally {
    await gw.stop();
  }
  // The next process on the same journal and Redis: the facilitator answers nothing useful yet.
  settleAnswer = (b) => ({ body: { success: false, errorReason: "settlement_pending", transaction: "", network: b.paymentRequirements.network } });
  gw = await start(config(dir, { redisPrefix: prefix }));
  try {
    assert.match(gw.stderr(), /"msg":"settlement journal open".*"unknown_outcomes":1/);
    await assertPending(gw, "/paid", header);
    await assertReconciledAndServed(gw, "/paid", header);
  } finally {
    settleAnswer = null;
    await gw.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// ---- defect 10: a drain that ends while /settle is in flight ------------------------------------

for (const store of ["memory", "redis"])
  test(`${store}: SIGTERM drain ends while /settle hangs -> journaled as unknown; the next process reconciles and serves it`, async () => {
    const dir = stateDir();
    const redisPrefix = store === "redis" ? `drain-${crypto.randomBytes(4).toString("hex")}:` : undefined;
    let gw = await start(config(dir, { redisPrefix, drain: "300ms", facilitatorTimeout: "3s" }));
    let header;
    try {
      reset();
      const c = await challenge(gw.url("/paid"));
      header = paymentHeader(2, c.v2);
      settleAnswer = () => ({ hang: true });
      const inflight = pay(gw, "/paid", header).catch(() => null);
      assert.ok(await waitFor(() => settles().length === 1, { ms: 5000 }));
      gw.signal("SIGTERM");
      const exit = await gw.exited;
      assert.equal(exit.code, 0, gw.stderr());
      await inflight;
      assert.equal(unknownLines(dir).length, 1, "the settle in flight is journaled as unknown:\n" + gw.stderr());
    } finally {
      await gw.stop();
    }
    settleAnswer = () => ({ hang: true });
    gw = await start(config(dir, { redisPrefix }));
    try {
      assert.match(gw.stderr(), /"msg":"settlement journal open".*"unknown_outcomes":1/);
      await assertPending(gw, "/paid", header);
      await assertReconciledAndServed(gw, "/paid", header);
      assert.equal(upstream.requests.length, 2, "held once by the drained process, served once after reconciliation");
    } finally {
      settleAnswer = null;
      await gw.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

test("redis: the drain's deadline ends a paid request holding its claim: the process exits cleanly (its claim ends while the Redis state exists)", async () => {
  const dir = stateDir();
  // Freed memory is filled with junk (jemalloc's junk:true), so that a use after free shows.
  const gw = await start(config(dir, { redisPrefix: `hold-${crypto.randomBytes(4).toString("hex")}:`, drain: "300ms" }), { env: { MALLOC_CONF: "junk:true" } });
  try {
    reset();
    const c = await challenge(gw.url("/hang"));
    const inflight = pay(gw, "/hang", paymentHeader(2, c.v2)).catch(() => null);
    assert.ok(await waitFor(() => upstream.requests.some((r) => r.url === "/hang"), { ms: 5000 }));
    gw.signal("SIGTERM");
    const exit = await gw.exited;
    await inflight;
    // Before the fix the claims were abandoned through the freed Redis state at exit (a
    // use-after-free: a crash, or a report under the sanitizer build, which stop() fails on).
    assert.equal(exit.code, 0, gw.stderr());
    assert.equal(settles().length, 0);
  } finally {
    await gw.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("an idle drain with Redis ends cleanly", async () => {
  const dir = stateDir();
  const gw = await start(config(dir, { redisPrefix: `idle-${crypto.randomBytes(4).toString("hex")}:` }));
  try {
    reset();
    const c = await challenge(gw.url("/paid"));
    assert.equal((await pay(gw, "/paid", paymentHeader(2, c.v2))).status, 200);
    await sleep(50);
  } finally {
    const exit = await gw.stop();
    assert.equal(exit.code, 0, gw.stderr());
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
