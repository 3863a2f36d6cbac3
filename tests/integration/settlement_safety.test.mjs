// Settlement safety: nothing is settled for a request the gateway then refuses, /settle is never
// sent twice for one payment, and a failed settlement answers 402 with its receipt, never 429.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startGateway, startUpstream, startFacilitator, baseConfig, challenge, paymentHeader, decodeHeader, BUYER, resetRecorders } from "../support/gateway.mjs";
import { connect, sleep } from "../support/raw.mjs";

let upstream, facilitator, gw;

before(async () => {
  upstream = await startUpstream();
  facilitator = await startFacilitator();
  // One worker thread, so that /settle certainly goes out on the connection /verify left pooled.
  gw = await startGateway(baseConfig({
    upstream: upstream.url, facilitator: facilitator.url,
    limits: "max_request_body: 1000",
    extra: "timeouts: { body_io: 1s, drain: 2s }",
    routes: `  - { match: "POST /upload", price: "$0.01", settlement: before, max_request_body: 100 }
  - { match: "POST /free-upload", max_request_body: 5000 }
  - { match: "GET /paid", price: "$0.01" }
  - { match: "/*" }`,
  }).replace("threads: 2", "threads: 1"));
});

after(async () => {
  await gw.stop();
  await upstream.close();
  await facilitator.close();
});

const reset = (script) => resetRecorders(upstream, facilitator, script);

const endpoints = () => facilitator.calls.map((c) => c.endpoint);
const settles = () => endpoints().filter((e) => e === "settle").length;

let uploadChallenge;
async function paidUploadHeader() {
  uploadChallenge ??= await challenge(gw.url("/upload"), { method: "POST" });
  return `PAYMENT-SIGNATURE: ${paymentHeader(2, uploadChallenge.v2)}\r\n`;
}

/** Sends `parts` on one connection, `gapMs` apart, and reads the answer. */
async function sendInParts(parts, { gapMs = 200, ms = 6000 } = {}) {
  const c = await connect(gw.port);
  try {
    for (const [i, part] of parts.entries()) {
      if (i > 0) await sleep(gapMs);
      if (c.closed) break;
      c.write(part);
    }
    return await c.readResponse({ ms });
  } finally {
    c.close();
  }
}

function assertRefused(res, status, code) {
  assert.ok(res, "an answer");
  assert.equal(res.status, status, `${res.status} ${res.body}`);
  if (code) assert.equal(JSON.parse(res.body).error, code);
}

// ---- 4. Charged, then refused ---------------------------------------------------------------

// Proves: a paid settle-before POST whose declared Content-Length exceeds the route's
// max_request_body (but not the global one) is refused with 413 before anything is settled.
test("settlement before: Content-Length over the route's max_request_body -> 413, nothing settled", async () => {
  reset();
  const header = await paidUploadHeader();
  const res = await sendInParts([`POST /upload HTTP/1.1\r\nHost: x\r\n${header}Content-Length: 500\r\n\r\n${"x".repeat(500)}`]);
  assertRefused(res, 413, "body_too_large");
  assert.equal(settles(), 0, `settled, then refused: ${endpoints()}`);
});

// Proves: a paid chunked POST whose first chunk is small but whose whole body exceeds the route's
// max_request_body is refused with 413 and not settled.
test("settlement before: chunked body over the route's limit after a small first chunk -> 413, nothing settled", async () => {
  reset();
  const header = await paidUploadHeader();
  const res = await sendInParts([
    `POST /upload HTTP/1.1\r\nHost: x\r\n${header}Transfer-Encoding: chunked\r\n\r\na\r\n${"x".repeat(10)}\r\n`,
    `c8\r\n${"y".repeat(200)}\r\n0\r\n\r\n`,
  ]);
  assertRefused(res, 413, "body_too_large");
  assert.equal(settles(), 0, `settled, then refused: ${endpoints()}`);
});

// Proves: a paid chunked POST with a malformed chunk after a good first one is refused with 400 and
// not settled.
test("settlement before: a malformed chunk after a good first one -> 400, nothing settled", async () => {
  reset();
  const header = await paidUploadHeader();
  const res = await sendInParts([
    `POST /upload HTTP/1.1\r\nHost: x\r\n${header}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n`,
    "zz\r\nabc\r\n0\r\n\r\n",
  ]);
  assertRefused(res, 400);
  assert.equal(settles(), 0, `settled, then refused: ${endpoints()}`);
});

// Proves: a paid POST whose body stalls past timeouts.body_io gets 408 and is not settled.
test("settlement before: a body that stalls past timeouts.body_io -> 408, nothing settled", async () => {
  reset();
  const header = await paidUploadHeader();
  const res = await sendInParts([`POST /upload HTTP/1.1\r\nHost: x\r\n${header}Content-Length: 50\r\n\r\n${"x".repeat(25)}`], { ms: 8000 });
  assertRefused(res, 408, "request_timeout");
  assert.equal(settles(), 0, `settled, then refused: ${endpoints()}`);
});

// Proves: a route's max_request_body LARGER than limits.max_request_body applies to a
// Content-Length body (3000 bytes through a 5000-byte route under a 1000-byte global limit).
test("a route's larger max_request_body admits a Content-Length body over the global limit", async () => {
  reset();
  const res = await fetch(gw.url("/free-upload"), { method: "POST", body: "z".repeat(3000) });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  assert.equal(upstream.requests.length, 1);
  assert.equal(upstream.requests[0].bodyLength, 3000);
});

// ---- 6. A second settle ----------------------------------------------------------------------

// Proves: a /settle written to a pooled facilitator connection that then breaks is not sent again:
// exactly one settle reaches the facilitator and the client gets a 5xx JSON error, never a 200.
test("a /settle whose pooled connection breaks is not retried: one settle, a 5xx answer", async () => {
  reset({ settle: () => ({ hangUp: true }) });
  const c = await challenge(gw.url("/paid"));
  const res = await fetch(gw.url("/paid"), { headers: { "PAYMENT-SIGNATURE": paymentHeader(2, c.v2) } });
  const text = await res.text();
  assert.ok(res.status >= 500 && res.status <= 599, `${res.status} ${text}`);
  assert.equal(typeof JSON.parse(text).error, "string");
  await sleep(300);  // a late retry would show up here
  assert.deepEqual(endpoints(), ["verify", "settle"], "exactly one settle for one payment");
  reset();
});

// ---- 11. 429 in place of a receipt ----------------------------------------------------------

// Proves: with the challenge rate limit exhausted, a failed settlement (settle-after and
// settle-before, v1 and v2) still answers 402 with its failed receipt, and an invalid payment
// 402, not 429; only unpaid requests beyond the burst get 429.
test("an exhausted challenge rate limit never turns a failed payment's 402 into 429", async () => {
  // The smallest whole rate (1/s) with a burst of 1; an unpaid request right before each paid one
  // spends any token that came back meanwhile.
  const limited = await startGateway(baseConfig({
    upstream: upstream.url, facilitator: facilitator.url,
    limits: "challenges_per_second: 1, challenge_burst: 1",
    extra: "timeouts: { drain: 2s }",
    routes: `  - { match: "GET /paid", price: "$0.01" }
  - { match: "GET /before", price: "$0.01", settlement: before }`,
  }));
  const spend = async () => { const r = await fetch(limited.url("/paid")); await r.arrayBuffer(); return r.status; };
  try {
    reset();
    const c = await challenge(limited.url("/paid"));  // takes the only token
    assert.equal(c.response.status, 402);
    // The discovery document is not rate limited and carries the same requirements as the 402.
    const discovery = await (await fetch(limited.url("/.well-known/x402"))).json();
    const beforeAccepted = discovery.items.find((i) => i.resource.endsWith("/before")).accepts[0];

    reset({ settle: (b) => ({ body: { success: false, errorReason: "insufficient_funds", transaction: "", network: b.paymentRequirements.network, payer: BUYER } }) });
    for (const [path, version, accepted] of [["/paid", 2, c.v2], ["/paid", 1, c.v1], ["/before", 2, beforeAccepted]]) {
      const [name, receiptName] = version === 2 ? ["PAYMENT-SIGNATURE", "payment-response"] : ["X-PAYMENT", "x-payment-response"];
      await spend();
      const res = await fetch(limited.url(path), { headers: { [name]: paymentHeader(version, accepted) } });
      const text = await res.text();
      assert.equal(res.status, 402, `${path} v${version} failed settlement: ${res.status} ${text}`);
      const receipt = res.headers.get(receiptName);
      assert.ok(receipt, `${path} v${version}: a ${receiptName} receipt`);
      assert.equal(decodeHeader(receipt).success, false);
      assert.equal(JSON.parse(text).error, "insufficient_funds");
    }
    assert.equal(settles(), 3);

    reset({ verify: () => ({ body: { isValid: false, invalidReason: "insufficient_funds", payer: BUYER } }) });
    await spend();
    const invalid = await fetch(limited.url("/paid"), { headers: { "PAYMENT-SIGNATURE": paymentHeader(2, c.v2) } });
    const invalidText = await invalid.text();
    assert.equal(invalid.status, 402, `invalid payment: ${invalid.status} ${invalidText}`);
    assert.equal(JSON.parse(invalidText).error, "insufficient_funds");

    reset();
    const statuses = [await spend(), await spend()];
    assert.ok(statuses.includes(429), `unpaid requests beyond the burst are still limited: ${statuses}`);
  } finally {
    reset();
    await limited.stop();
  }
});
