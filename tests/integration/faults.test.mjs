// Facilitator and upstream faults: each gets the right status and error code, and a priced
// upstream never serves an unverified request nor releases an unsettled answer.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { startGateway, startUpstream, startFacilitator, baseConfig, challenge, paymentHeader, decodeHeader, deadPort } from "../support/gateway.mjs";
import { waitFor, metric } from "../support/raw.mjs";

let upstream, facilitator, gw, deadGw, resetter;

// An upstream that accepts, reads, and resets the connection without answering.
async function startResettingUpstream() {
  const server = net.createServer((socket) => {
    socket.once("data", () => socket.resetAndDestroy());
    socket.on("error", () => {});
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) };
}

before(async () => {
  upstream = await startUpstream((req, res) => {
    if (req.url.includes("/slow")) return setTimeout(() => res.end("late"), 3000);
    if (req.url.includes("/big")) return res.end("x".repeat(64 * 1024));
    res.end(JSON.stringify({ ok: true }));
  });
  facilitator = await startFacilitator();
  resetter = await startResettingUpstream();
  const routes = `  - { match: "GET /paid", price: "$0.01", upstream: api }
  - { match: "GET /slow", price: "$0.01", upstream: api }
  - { match: "GET /big", price: "$0.01", upstream: api }
  - { match: "GET /free/slow", upstream: api }
  - { match: "GET /reset", upstream: resetter }
  - { match: "GET /paid-reset", price: "$0.01", upstream: resetter }
  - { match: "GET /down", upstream: down }`;
  const down = await deadPort();
  gw = await startGateway(baseConfig({
    upstream: upstream.url, facilitator: facilitator.url, routes,
    upstreamExtra: ", timeout: 1s",
    // Each fault here is one facilitator failure in a row: the breaker (facilitator_failover.test.mjs)
    // must not open between them, so that each test sees its own fault's answer.
    facilitatorExtra: ", breaker: { failures: 1000 }",
    limits: "max_buffered_response: 16KiB",
  }).replace("upstreams:\n", `upstreams:\n  resetter: { url: "${resetter.url}" }\n  down: { url: "http://127.0.0.1:${down}", connect_timeout: 1s }\n`));
  const deadFacilitator = await deadPort();
  deadGw = await startGateway(baseConfig({ upstream: upstream.url, facilitator: `http://127.0.0.1:${deadFacilitator}`, routes: `  - { match: "GET /paid", price: "$0.01" }` }));
});

after(async () => {
  await gw.stop();
  await deadGw.stop();
  await upstream.close();
  await facilitator.close();
  await resetter.close();
});

async function pay(gateway, path, version = 2) {
  const c = await challenge(gateway.url(path));
  const header = paymentHeader(version, version === 2 ? c.v2 : c.v1);
  return fetch(gateway.url(path), { headers: { [version === 2 ? "PAYMENT-SIGNATURE" : "X-PAYMENT"]: header } });
}

function script(verify, settle) {
  upstream.requests.length = 0;
  facilitator.calls.length = 0;
  facilitator.script.verify = verify;
  facilitator.script.settle = settle;
}

async function expectError(res, status, code) {
  assert.equal(res.status, status);
  assert.match(res.headers.get("content-type"), /application\/json/);
  const body = await res.json();
  assert.equal(body.error, code);
  assert.ok(body.message);
  return body;
}

test("facilitator refusing connections: 503 facilitator_unavailable, upstream untouched", async () => {
  upstream.requests.length = 0;
  await expectError(await pay(deadGw, "/paid"), 503, "facilitator_unavailable");
  assert.equal(upstream.requests.length, 0);
});

test("facilitator too slow on /verify: 504 facilitator_timeout, upstream untouched", async () => {
  script(() => ({ delayMs: 3000, body: { isValid: true } }));
  const started = Date.now();
  await expectError(await pay(gw, "/paid"), 504, "facilitator_timeout");
  assert.ok(Date.now() - started < 2900, "the 2s facilitator deadline applies");
  assert.equal(upstream.requests.length, 0);
});

test("facilitator 5xx on /verify: 502 facilitator_error", async () => {
  script(() => ({ status: 500, body: { error: "boom" } }));
  await expectError(await pay(gw, "/paid"), 502, "facilitator_error");
  assert.equal(upstream.requests.length, 0);
});

test("facilitator 429: 503 facilitator_rate_limited", async () => {
  script(() => ({ status: 429, body: { error: "slow down" } }));
  await expectError(await pay(gw, "/paid"), 503, "facilitator_rate_limited");
});

test("facilitator answering garbage or the wrong shape: 502 facilitator_bad_response", async () => {
  script(() => ({ raw: "<html>not json</html>" }));
  await expectError(await pay(gw, "/paid"), 502, "facilitator_bad_response");
  script(() => ({ body: { valid: "yes" } }));
  await expectError(await pay(gw, "/paid"), 502, "facilitator_bad_response");
  script(() => ({ hangUp: true }));
  await expectError(await pay(gw, "/paid"), 503, "facilitator_unavailable");
  assert.equal(upstream.requests.length, 0);
});

test("a 4xx facilitator answer with a proper VerifyResponse body is read as a verdict", async () => {
  script(() => ({ status: 400, body: { isValid: false, invalidReason: "invalid_payload" } }));
  const res = await pay(gw, "/paid");
  assert.equal(res.status, 402);
  assert.equal((await res.json()).error, "invalid_payload");
});

// A settlement that went out and was not answered may have landed: no "failed" receipt, the
// answer is not released, and the same payment is not accepted again until the reconciler learns
// its outcome (the rest is in unknown_outcomes.test.mjs). Here it learns it landed.
test("verify valid, settle times out: 504, no failed receipt, the answer is not released, the payment pending", async () => {
  let settleCalls = 0;
  script(undefined, () => (++settleCalls === 1 ? { delayMs: 3000, body: { success: true, transaction: "0x1" } }
                                                : { body: { success: true, transaction: "0x" + "ab".repeat(32), network: "eip155:84532" } }));
  const c = await challenge(gw.url("/paid"));
  const header = paymentHeader(2, c.v2);
  const res = await fetch(gw.url("/paid"), { headers: { "PAYMENT-SIGNATURE": header } });
  const body = await expectError(res, 504, "facilitator_timeout");
  assert.ok(!JSON.stringify(body).includes("ok"));
  assert.equal(res.headers.get("payment-response"), null);
  assert.equal(upstream.requests.length, 1);
  const again = await fetch(gw.url("/paid"), { headers: { "PAYMENT-SIGNATURE": header } });
  assert.equal(again.status, 402);
  assert.equal((await again.json()).error, "payment_pending");
  assert.ok(Number(again.headers.get("retry-after")) > 0);
  assert.equal(facilitator.calls.filter((x) => x.endpoint === "settle").length, 1);
  // Reconciled (it landed) before the next test changes the script.
  assert.ok(await waitFor(async () => (await fetch(gw.url("/paid"), { headers: { "PAYMENT-SIGNATURE": header } })).status === 200), "reconciled");
  assert.equal(facilitator.calls.filter((x) => x.endpoint === "settle").length, 2);
});

// Once /settle was written, only a definite refusal is a failure: the payment may have landed.
// The reconciler learns it did (a settlement naming its transaction) before the next test.
async function reconcileUnknowns() {
  script(undefined, () => ({ body: { success: true, transaction: "0x" + "cd".repeat(32), network: "eip155:84532" } }));
  assert.ok(await waitFor(async () => (await metric(gw, "x402gw_unknown_settlements")) === 0), "reconciled");
}

test("verify valid, settle 5xx (not a SettleResponse): 502 settlement_unknown, never a failed receipt", async () => {
  script(undefined, () => ({ status: 503, raw: "unavailable" }));
  const res = await pay(gw, "/paid", 1);
  await expectError(res, 502, "settlement_unknown");
  assert.equal(res.headers.get("x-payment-response"), null);
  await reconcileUnknowns();
});

test("settle says success without a transaction: not accepted as proof, nor as a failure: unknown", async () => {
  script(undefined, () => ({ body: { success: true, transaction: "" } }));
  const res = await pay(gw, "/paid");
  await expectError(res, 502, "settlement_unknown");
  assert.equal(res.headers.get("payment-response"), null);
  await reconcileUnknowns();
});

test("upstream too slow after a valid payment: 504 upstream_timeout and no settlement", async () => {
  script();
  await expectError(await pay(gw, "/slow"), 504, "upstream_timeout");
  assert.deepEqual(facilitator.calls.map((c) => c.endpoint), ["verify"]);
});

test("upstream answer larger than the settle-after buffer: 502, no settlement", async () => {
  script();
  await expectError(await pay(gw, "/big"), 502, "upstream_response_too_large");
  assert.deepEqual(facilitator.calls.map((c) => c.endpoint), ["verify"]);
});

test("upstream resetting a paid request: 502 upstream_reset and no settlement", async () => {
  script();
  await expectError(await pay(gw, "/paid-reset"), 502, "upstream_reset");
  assert.deepEqual(facilitator.calls.map((c) => c.endpoint), ["verify"]);
});

test("free route: upstream down 502, slow 504, reset 502", async () => {
  await expectError(await fetch(gw.url("/down")), 502, "upstream_unavailable");
  await expectError(await fetch(gw.url("/free/slow")), 504, "upstream_timeout");
  await expectError(await fetch(gw.url("/reset")), 502, "upstream_reset");
});

test("the gateway is still healthy after all of that", async () => {
  const res = await fetch(`http://127.0.0.1:${gw.adminPort}/healthz`);
  assert.equal(res.status, 200);
  const ok = await fetch(gw.url("/paid"));
  assert.equal(ok.status, 402);
});
