// Issue 20, defect 10: method and header spellings. Methods are case-sensitive ("head" is not
// HEAD and is refused, as nginx does); trailers never become header fields; a payment header sent
// twice is refused. All over raw sockets, against a raw upstream that records what it got.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startGateway, startFacilitator, baseConfig, challenge, paymentHeader, resetRecorders } from "../support/gateway.mjs";
import { request, startRawUpstream } from "../support/raw.mjs";

let upstream, facilitator, gw;

before(async () => {
  // Like an upstream that upper-cases methods: "head" is answered as HEAD (a length, no body).
  upstream = await startRawUpstream((req, socket) => {
    const body = JSON.stringify({ method: req.method });
    if (req.method.toUpperCase() === "HEAD") socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`);
    else socket.write(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  });
  facilitator = await startFacilitator();
  gw = await startGateway(baseConfig({ upstream: upstream.url, facilitator: facilitator.url, limits: "max_header_count: 20",
    upstreamExtra: ", timeout: 10s",
    routes: `  - { match: "GET /paid", price: "$0.01" }
  - { match: "POST /paid-post", price: "$0.01", settlement: before }
  - { match: "POST /paid-forwarded", price: "$0.01", settlement: before, forward_payment_header: true }
  - { match: "GET /only-get" }
  - { match: "POST /free" }` }));
});

after(async () => {
  await gw.stop();
  await upstream.close();
  await facilitator.close();
});

const reset = () => { upstream.requests.length = 0; resetRecorders({ requests: [] }, facilitator); };

for (const method of ["head", "Head", "get", "pOST"]) {
  // Proves: a method token with lower-case letters is refused at once, never forwarded (an
  // upstream that upper-cases it would answer "head" as HEAD and leave the gateway waiting).
  test(`method '${method}' is refused with 400 invalid_method and never forwarded`, async () => {
    reset();
    const started = Date.now();
    const res = await request(gw.port, `${method} /only-get HTTP/1.1\r\nHost: x\r\n\r\n`, { ms: 4000 });
    assert.equal(res.status, 400, `no answer within ${Date.now() - started} ms`);
    assert.equal(JSON.parse(res.text).error, "invalid_method");
    assert.deepEqual(upstream.requests.map((r) => r.method), []);
  });
}

// Proves: an upper-case extension method matches no GET route (404) and, where a route takes any
// method, is forwarded as it is, with a body only as its framing says.
test("an unknown upper-case method matches no GET route and is forwarded as is elsewhere", async () => {
  reset();
  const refused = await request(gw.port, "PURGE /only-get HTTP/1.1\r\nHost: x\r\n\r\n");
  assert.equal(refused.status, 404);
  const paid = await request(gw.port, "GETX /paid HTTP/1.1\r\nHost: x\r\n\r\n");
  assert.equal(paid.status, 404);
  assert.deepEqual(upstream.requests, []);
});

/** A paid chunked POST whose body carries `trailers`; resolves to the response. */
async function paidPostWithTrailers(path, trailers, extraHeaders = "") {
  const { v2 } = await challenge(gw.url(path), { method: "POST" });
  const proof = paymentHeader(2, v2);
  return request(gw.port, `POST ${path} HTTP/1.1\r\nHost: x\r\nPAYMENT-SIGNATURE: ${proof}\r\n${extraHeaders}Transfer-Encoding: chunked\r\n\r\n` +
    `5\r\nhello\r\n0\r\n${trailers}\r\n`);
}

// Proves: trailers of a buffered body (a settle-before route reads it whole) do not become header fields
// the upstream sees, however many there are (limits.max_header_count is 20 here).
test("trailers on a paid (buffered) POST are not promoted to header fields", async () => {
  reset();
  const many = Array.from({ length: 40 }, (_, i) => `X-Trailer-${i}: t\r\n`).join("");
  const res = await paidPostWithTrailers("/paid-post", `X-Injected: yes\r\nAuthorization: Bearer forged\r\n${many}`);
  assert.equal(res.status, 200, res.text);
  assert.equal(upstream.requests.length, 1);
  const seen = upstream.requests[0];
  assert.equal(seen.body.toString(), "hello");
  assert.equal(seen.headers["x-injected"], undefined);
  assert.equal(seen.headers.authorization, undefined);
  assert.equal(Object.keys(seen.headers).filter((h) => h.startsWith("x-trailer-")).length, 0);
  assert.ok(Object.keys(seen.headers).length <= 20, Object.keys(seen.headers).join(","));
});

// Proves: the same on a free route, whose small bodies are buffered before forwarding.
test("trailers on a free buffered POST are not promoted to header fields", async () => {
  reset();
  const res = await request(gw.port, "POST /free HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-Injected: yes\r\n\r\n");
  assert.equal(res.status, 200);
  assert.equal(upstream.requests[0].headers["x-injected"], undefined);
  assert.equal(upstream.requests[0].body.toString(), "hello");
});

// Proves: a second payment header smuggled as a trailer does not reach the upstream either.
test("a PAYMENT-SIGNATURE trailer is not forwarded beside the verified header", async () => {
  reset();
  const res = await paidPostWithTrailers("/paid-forwarded", "PAYMENT-SIGNATURE: forged\r\n");
  assert.equal(res.status, 200, res.text);
  assert.equal(upstream.requests.length, 1);
  assert.notEqual(upstream.requests[0].headers["payment-signature"], "forged");
  assert.ok(!/forged/.test(upstream.requests[0].headers["payment-signature"] ?? ""));
});

for (const name of ["PAYMENT-SIGNATURE", "X-PAYMENT"]) {
  // Proves: a payment header sent twice is refused before anything is verified or forwarded.
  test(`a duplicate ${name} header is refused with 400 duplicate_payment_header`, async () => {
    reset();
    const { v2, v1 } = await challenge(gw.url("/paid"));
    const proof = name === "X-PAYMENT" ? paymentHeader(1, v1) : paymentHeader(2, v2);
    const res = await request(gw.port, `GET /paid HTTP/1.1\r\nHost: x\r\n${name}: ${proof}\r\n${name.toLowerCase()}: ${proof}\r\n\r\n`);
    assert.equal(res.status, 400, res.text);
    assert.equal(JSON.parse(res.text).error, "duplicate_payment_header");
    assert.deepEqual(facilitator.calls, []);
    assert.deepEqual(upstream.requests, []);
  });
}
