// Prices from the request (README "Prices" > "From the request"): the real gateway, a real
// upstream, a scripted facilitator. The 402 quotes the price of this request, and a payment is
// checked against the price of the request it arrives with.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startGateway, startUpstream, startFacilitator, baseConfig, challenge, paymentHeader, resetRecorders, rawExchange } from "../support/gateway.mjs";

let upstream, facilitator, gw;

const routes = `  - match: "POST /v1/images"
    price: { from: { body: model }, table: { small: "$0.01", large: "$0.05" } }
  - match: "POST /v1/chat"
    settlement: before
    price: { from: { body: model }, table: { mini: "$0.001", "4o": "$0.02" }, default: "$0.005" }
  - match: "GET /search"
    price: { from: { query: tier }, table: { basic: "$0.001", pro: "$0.003" }, default: "$0.002" }
  - match: "GET /translate"
    price: { from: { header: X-Quality }, table: { draft: "$0.001", final: "$0.004" } }
  - match: "POST /v1/tiny"
    max_request_body: 1KiB
    price: { from: { body: model }, table: { small: "$0.01" } }
  - match: "GET /v1/pictures/:size/*"
    price: { from: { path: size }, table: { s: "$0.001", xl: "$0.009" } }`;

before(async () => {
  upstream = await startUpstream();
  facilitator = await startFacilitator();
  gw = await startGateway(baseConfig({ upstream: upstream.url, facilitator: facilitator.url, routes }));
});

after(async () => {
  await gw.stop();
  await upstream.close();
  await facilitator.close();
});

const reset = (script) => resetRecorders(upstream, facilitator, script);
const json = (value) => ({ method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(value) });

test("the 402 quotes the price of the request's body field", async () => {
  reset();
  const small = await challenge(gw.url("/v1/images"), json({ model: "small", prompt: "a cat" }));
  const large = await challenge(gw.url("/v1/images"), json({ model: "large", prompt: "a cat" }));
  assert.equal(small.response.status, 402);
  assert.equal(small.v2.amount, "10000");
  assert.equal(small.v1.maxAmountRequired, "10000");
  assert.equal(large.v2.amount, "50000");
  assert.equal(large.v1.maxAmountRequired, "50000");
  // Asked again in the other order: no quote of one request is served to another.
  const smallAgain = await challenge(gw.url("/v1/images"), json({ model: "small" }));
  assert.equal(smallAgain.v2.amount, "10000");
  assert.equal(upstream.requests.length, 0);
});

for (const version of [1, 2]) {
  test(`v${version}: a payment of the cheap quote sent with the dear body is refused and never reaches the upstream`, async () => {
    reset();
    const cheap = await challenge(gw.url("/v1/images"), json({ model: "small" }));
    const header = paymentHeader(version, version === 2 ? cheap.v2 : cheap.v1);
    const res = await fetch(gw.url("/v1/images"), {
      ...json({ model: "large" }),
      headers: { "content-type": "application/json", [version === 2 ? "PAYMENT-SIGNATURE" : "X-PAYMENT"]: header },
    });
    assert.equal(res.status, 402);
    const body = await res.json();
    // The new challenge quotes the dear price.
    assert.equal(version === 2 ? JSON.parse(Buffer.from(res.headers.get("payment-required"), "base64")).accepts[0].amount : body.accepts[0].maxAmountRequired, "50000");
    assert.equal(upstream.requests.length, 0);
    assert.equal(facilitator.calls.length, 0);
  });

  test(`v${version}: a payment of the dear quote with the dear body is verified and settled for that price, and the body reaches the upstream whole`, async () => {
    reset();
    const payload = { model: "large", prompt: "x".repeat(5000) };
    const dear = await challenge(gw.url("/v1/images"), json(payload));
    const header = paymentHeader(version, version === 2 ? dear.v2 : dear.v1);
    const res = await fetch(gw.url("/v1/images"), {
      ...json(payload),
      headers: { "content-type": "application/json", [version === 2 ? "PAYMENT-SIGNATURE" : "X-PAYMENT"]: header },
    });
    assert.equal(res.status, 200);
    assert.equal(upstream.requests.length, 1);
    assert.deepEqual(JSON.parse(upstream.requests[0].body), payload);
    const verify = facilitator.calls.find((c) => c.endpoint === "verify");
    const settle = facilitator.calls.find((c) => c.endpoint === "settle");
    const amountOf = (r) => r.amount ?? r.maxAmountRequired;
    assert.equal(amountOf(verify.body.paymentRequirements), "50000");
    assert.equal(amountOf(settle.body.paymentRequirements), "50000");
  });
}

test("settle-before: the body read for pricing is the body forwarded", async () => {
  reset();
  const payload = { model: "4o", messages: [{ role: "user", content: "hello" }] };
  const c = await challenge(gw.url("/v1/chat"), json(payload));
  assert.equal(c.v2.amount, "20000");
  const res = await fetch(gw.url("/v1/chat"), { ...json(payload), headers: { "content-type": "application/json", "PAYMENT-SIGNATURE": paymentHeader(2, c.v2) } });
  assert.equal(res.status, 200);
  assert.equal(upstream.requests.length, 1);
  assert.deepEqual(JSON.parse(upstream.requests[0].body), payload);
});

test("a value the table does not list takes the default; without a default it is a 400", async () => {
  reset();
  const other = await challenge(gw.url("/v1/chat"), json({ model: "llama" }));
  assert.equal(other.v2.amount, "5000");
  const res = await fetch(gw.url("/v1/images"), json({ model: "huge" }));
  assert.equal(res.status, 400);
  assert.equal((await res.json()).error, "price_not_in_table");
  assert.equal(upstream.requests.length, 0);
});

test("a body that cannot be priced is a 400, never the default price", async () => {
  reset();
  const cases = [
    { method: "POST", headers: { "content-type": "application/json" }, body: "not json" },
    json({ prompt: "no model" }),
    json({ model: { name: "4o" } }),
    json(["4o"]),
    { method: "POST" },
  ];
  for (const init of cases) {
    const res = await fetch(gw.url("/v1/chat"), init);
    assert.equal(res.status, 400, JSON.stringify(init));
    assert.equal((await res.json()).error, "unpriceable_request");
  }
  // A number is a value too.
  const numeric = await challenge(gw.url("/v1/chat"), json({ model: 4 }));
  assert.equal(numeric.v2.amount, "5000");
  assert.equal(upstream.requests.length, 0);
  assert.equal(facilitator.calls.length, 0);
});

test("a query parameter prices the request", async () => {
  reset();
  assert.equal((await challenge(gw.url("/search?q=cats&tier=pro"))).v2.amount, "3000");
  assert.equal((await challenge(gw.url("/search?tier=basic"))).v2.amount, "1000");
  assert.equal((await challenge(gw.url("/search?tier=b%61sic"))).v2.amount, "1000");
  assert.equal((await challenge(gw.url("/search?tier=gold"))).v2.amount, "2000");
  const missing = await fetch(gw.url("/search?q=cats"));
  assert.equal(missing.status, 400);
  assert.equal((await missing.json()).error, "unpriceable_request");
});

test("a header prices the request, and a paid request is checked against its own header", async () => {
  reset();
  const draft = await challenge(gw.url("/translate"), { headers: { "X-Quality": "draft" } });
  const final = await challenge(gw.url("/translate"), { headers: { "X-Quality": "final" } });
  assert.equal(draft.v2.amount, "1000");
  assert.equal(final.v2.amount, "4000");
  const cheat = await fetch(gw.url("/translate"), { headers: { "X-Quality": "final", "PAYMENT-SIGNATURE": paymentHeader(2, draft.v2) } });
  assert.equal(cheat.status, 402);
  assert.equal(upstream.requests.length, 0);
  const paid = await fetch(gw.url("/translate"), { headers: { "X-Quality": "final", "PAYMENT-SIGNATURE": paymentHeader(2, final.v2) } });
  assert.equal(paid.status, 200);
  const missing = await fetch(gw.url("/translate"));
  assert.equal(missing.status, 400);
});

test("a path parameter prices the request, on the canonical path", async () => {
  reset();
  assert.equal((await challenge(gw.url("/v1/pictures/s/cat.png"))).v2.amount, "1000");
  assert.equal((await challenge(gw.url("/v1/pictures/xl/cat.png"))).v2.amount, "9000");
  // Routes match case-insensitively, and so do the values they are priced by: one path, one price.
  assert.equal((await challenge(gw.url("/v1/pictures/XL/cat.png"))).v2.amount, "9000");
  const unknown = await fetch(gw.url("/v1/pictures/m/cat.png"));
  assert.equal(unknown.status, 400);
  assert.equal((await unknown.json()).error, "price_not_in_table");
});

test("a body larger than the route allows is refused before it is priced", async () => {
  reset();
  const res = await fetch(gw.url("/v1/tiny"), json({ model: "small", pad: "x".repeat(2000) }));
  assert.equal(res.status, 413);
  assert.equal((await res.json()).error, "body_too_large");
  // Within the limit, the same rule prices it.
  assert.equal((await challenge(gw.url("/v1/tiny"), json({ model: "small", pad: "x".repeat(500) }))).v2.amount, "10000");
  assert.equal(upstream.requests.length, 0);
});

test("a chunked body is priced and forwarded whole (settle-after)", async () => {
  reset();
  const http = await import("node:http");
  const send = (headers) => new Promise((resolve, reject) => {
    const req = http.request(gw.url("/v1/images"), { method: "POST", headers: { "content-type": "application/json", ...headers } }, (res) => {
      let text = "";
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, text }));
    });
    req.on("error", reject);
    req.write('{"model":');  // no Content-Length: Transfer-Encoding: chunked, in pieces
    setTimeout(() => { req.write('"large","prompt":"'); req.end('hi"}'); }, 50);
  });
  const unpaid = await send({});
  assert.equal(unpaid.status, 402);
  const accepted = JSON.parse(Buffer.from(unpaid.headers["payment-required"], "base64")).accepts[0];
  assert.equal(accepted.amount, "50000");
  const paid = await send({ "PAYMENT-SIGNATURE": paymentHeader(2, accepted) });
  assert.equal(paid.status, 200);
  assert.equal(upstream.requests.length, 1);
  assert.deepEqual(JSON.parse(upstream.requests[0].body), { model: "large", prompt: "hi" });
});

test("a body that does not arrive within timeouts.request_body is a 408 before anything is priced or asked", async () => {
  reset();
  const slow = await startGateway(baseConfig({
    upstream: upstream.url, facilitator: facilitator.url, extra: "timeouts: { request_body: 500ms }",
    routes: `  - match: "POST /v1/images"\n    price: { from: { body: model }, table: { small: "$0.01" } }`,
  }));
  try {
    const started = Date.now();
    const { data } = await rawExchange(slow.port, "POST /v1/images HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"model\":", { ms: 5000 });
    assert.match(data, /^HTTP\/1\.1 408 /);
    assert.match(data, /request_timeout/);
    assert.ok(Date.now() - started < 4000);
    assert.equal(upstream.requests.length, 0);
    assert.equal(facilitator.calls.length, 0);
  } finally {
    await slow.stop();
  }
});
