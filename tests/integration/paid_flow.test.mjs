// The paid flow over real sockets: the real gateway, a real upstream, a scripted facilitator.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startGateway, startUpstream, startFacilitator, baseConfig, challenge, paymentHeader, decodeHeader, BUYER, PAY_TO, resetRecorders } from "../support/gateway.mjs";

let upstream, facilitator, gw;

const routes = `  - { match: "GET /api/weather", price: "$0.01", description: "Current weather", upstream: api }
  - { match: "GET /api/before", price: "$0.01", settlement: before }
  - { match: "GET /api/forwarded", price: "$0.01", forward_payment_header: true }
  - { match: "GET /api/teapot", price: "$0.01" }
  - match: "GET /api/multi"
    accepts:
      - { network: base, price: "$0.001" }
      - network: "eip155:31337"
        price: { amount: "1000", asset: "0x5FbDB2315678afecb367f032d93F642f64180aa3", eip712: { name: USDC, version: "2" } }
  - { match: "/public/*" }`;

before(async () => {
  upstream = await startUpstream((req, res) => {
    if (req.url.startsWith("/api/teapot")) { res.statusCode = 418; return res.end("no coffee"); }
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ weather: "sunny", path: req.url }));
  });
  facilitator = await startFacilitator();
  gw = await startGateway(baseConfig({ upstream: upstream.url, facilitator: facilitator.url, routes }));
});

after(async () => {
  if (process.env.DEBUG_GW) console.error(gw.stderr(), await Promise.race([gw.exited, new Promise((r) => setTimeout(() => r("alive"), 200))]));
  await gw.stop();
  await upstream.close();
  await facilitator.close();
});

const reset = (script) => resetRecorders(upstream, facilitator, script);

test("an unpaid request gets a 402 both generations understand, and never reaches the upstream", async () => {
  reset();
  const { response, body, v2doc } = await challenge(gw.url("/api/weather?city=Paris"));
  assert.equal(response.status, 402);
  assert.equal(response.headers.get("cache-control"), "no-store");
  assert.equal(body.x402Version, 1);
  assert.equal(body.error, "payment_required");
  assert.equal(body.accepts[0].network, "base-sepolia");
  assert.equal(body.accepts[0].maxAmountRequired, "10000");
  assert.equal(body.accepts[0].resource, gw.url("/api/weather"));
  assert.equal(body.accepts[0].description, "Current weather");
  assert.equal(v2doc.x402Version, 2);
  assert.equal(v2doc.accepts[0].network, "eip155:84532");
  assert.equal(v2doc.accepts[0].amount, "10000");
  assert.equal(v2doc.accepts[0].payTo, PAY_TO);
  assert.equal(v2doc.resource.url, gw.url("/api/weather"));
  assert.equal(upstream.requests.length, 0);
  assert.equal(facilitator.calls.length, 0);
});

test("the challenge is byte-stable between requests", async () => {
  const a = await fetch(gw.url("/api/weather"));
  const b = await fetch(gw.url("/api/weather"));
  assert.equal(a.headers.get("payment-required"), b.headers.get("payment-required"));
  assert.equal(await a.text(), await b.text());
});

test("a route with several accepts advertises each; networks without a v1 name only in v2", async () => {
  const { body, v2doc } = await challenge(gw.url("/api/multi"));
  assert.deepEqual(body.accepts.map((a) => a.network), ["base"]);
  assert.deepEqual(v2doc.accepts.map((a) => a.network), ["eip155:8453", "eip155:31337"]);
  assert.equal(v2doc.accepts[1].amount, "1000");
  assert.deepEqual(v2doc.accepts[1].extra, { name: "USDC", version: "2" });
});

for (const version of [1, 2]) {
  test(`v${version}: a paid request is verified, forwarded with the payer, settled, and answered with the receipt`, async () => {
    reset();
    const c = await challenge(gw.url("/api/weather"));
    const header = paymentHeader(version, version === 2 ? c.v2 : c.v1);
    const res = await fetch(gw.url("/api/weather"), { headers: { [version === 2 ? "PAYMENT-SIGNATURE" : "X-PAYMENT"]: header, "X-Payment-Payer": "0xforged" } });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { weather: "sunny", path: "/api/weather" });
    const receiptName = version === 2 ? "payment-response" : "x-payment-response";
    const otherName = version === 2 ? "x-payment-response" : "payment-response";
    const receipt = decodeHeader(res.headers.get(receiptName));
    assert.equal(receipt.success, true);
    assert.equal(receipt.transaction, "0x" + "ab".repeat(32));
    assert.equal(res.headers.get(otherName), null);

    assert.deepEqual(facilitator.calls.map((c) => c.endpoint), ["verify", "settle"]);
    const sent = facilitator.calls[0].body;
    assert.equal(sent.x402Version, version);
    assert.deepEqual(sent.paymentPayload, decodeHeader(header));
    if (version === 2) assert.deepEqual(sent.paymentRequirements, c.v2);
    else assert.deepEqual(sent.paymentRequirements, c.v1);

    assert.equal(upstream.requests.length, 1);
    const seen = upstream.requests[0].headers;
    assert.equal(seen["x-payment-payer"], BUYER, "the verified payer, not the forged one");
    assert.equal(seen["x-payment"], undefined);
    assert.equal(seen["payment-signature"], undefined);
  });
}

test("the payment header reaches the upstream only where the route asks for it", async () => {
  reset();
  const c = await challenge(gw.url("/api/forwarded"));
  const header = paymentHeader(2, c.v2);
  const res = await fetch(gw.url("/api/forwarded"), { headers: { "PAYMENT-SIGNATURE": header } });
  assert.equal(res.status, 200);
  assert.equal(upstream.requests[0].headers["payment-signature"], header);
});

test("undecodable payment headers get a 402 with the reason and cost nothing", async () => {
  reset();
  for (const [name, value, code] of [
    ["X-PAYMENT", "%%%not-base64%%%", "invalid_payment_header"],
    ["X-PAYMENT", Buffer.from("{nope").toString("base64"), "invalid_payment_header"],
    ["PAYMENT-SIGNATURE", Buffer.from(JSON.stringify({ x402Version: 1, scheme: "exact", network: "base-sepolia", payload: {} })).toString("base64"), "invalid_x402_version"],
  ]) {
    const res = await fetch(gw.url("/api/weather"), { headers: { [name]: value } });
    assert.equal(res.status, 402, value);
    const body = await res.json();
    assert.equal(body.error, code);
    assert.ok(body.message.length > 0);
    assert.ok(res.headers.get("payment-required"));
  }
  assert.equal(facilitator.calls.length, 0);
  assert.equal(upstream.requests.length, 0);
});

test("a payment for something else (network, amount, recipient) is refused before the facilitator", async () => {
  reset();
  const c = await challenge(gw.url("/api/weather"));
  const cases = [
    [1, { ...c.v1, network: "base" }, {}, "no_matching_requirements"],
    [2, { ...c.v2, amount: "1" }, {}, "no_matching_requirements"],
    [1, c.v1, { value: "9999" }, "payment_amount_mismatch"],
    [1, c.v1, { to: "0x0000000000000000000000000000000000000001" }, "payment_recipient_mismatch"],
  ];
  for (const [version, accepted, opts, code] of cases) {
    const res = await fetch(gw.url("/api/weather"), { headers: { [version === 2 ? "PAYMENT-SIGNATURE" : "X-PAYMENT"]: paymentHeader(version, accepted, opts) } });
    assert.equal(res.status, 402);
    assert.equal((await res.json()).error, code);
  }
  assert.equal(facilitator.calls.length, 0);
  assert.equal(upstream.requests.length, 0);
});

test("an invalid payment (verify says no) gets 402 with the facilitator's reason; the upstream never sees it", async () => {
  reset({ verify: () => ({ body: { isValid: false, invalidReason: "insufficient_funds", payer: BUYER } }) });
  const c = await challenge(gw.url("/api/weather"));
  const res = await fetch(gw.url("/api/weather"), { headers: { "PAYMENT-SIGNATURE": paymentHeader(2, c.v2) } });
  assert.equal(res.status, 402);
  const body = await res.json();
  assert.equal(body.error, "insufficient_funds");
  assert.equal(decodeHeader(res.headers.get("payment-required")).error, "insufficient_funds");
  assert.deepEqual(facilitator.calls.map((x) => x.endpoint), ["verify"]);
  assert.equal(upstream.requests.length, 0);
});

test("a failed settlement drops the upstream's body and answers 402 with a failed receipt", async () => {
  reset({ settle: () => ({ body: { success: false, errorReason: "invalid_exact_evm_nonce_already_used", transaction: "", network: "eip155:84532" } }) });
  const c = await challenge(gw.url("/api/weather"));
  const res = await fetch(gw.url("/api/weather"), { headers: { "PAYMENT-SIGNATURE": paymentHeader(2, c.v2) } });
  assert.equal(res.status, 402);
  const text = await res.text();
  assert.ok(!text.includes("sunny"), "the paid content must not leak");
  const receipt = decodeHeader(res.headers.get("payment-response"));
  assert.equal(receipt.success, false);
  assert.equal(receipt.errorReason, "invalid_exact_evm_nonce_already_used");
  assert.equal(upstream.requests.length, 1);
});

test("an upstream answer >= 400 goes out unsettled", async () => {
  reset();
  const c = await challenge(gw.url("/api/teapot"));
  const res = await fetch(gw.url("/api/teapot"), { headers: { "X-PAYMENT": paymentHeader(1, c.v1) } });
  assert.equal(res.status, 418);
  assert.equal(await res.text(), "no coffee");
  assert.equal(res.headers.get("x-payment-response"), null);
  assert.deepEqual(facilitator.calls.map((x) => x.endpoint), ["verify"]);
});

test("settlement: before settles first, then streams the upstream's answer with the receipt", async () => {
  reset();
  const c = await challenge(gw.url("/api/before"));
  const res = await fetch(gw.url("/api/before"), { headers: { "PAYMENT-SIGNATURE": paymentHeader(2, c.v2) } });
  assert.equal(res.status, 200);
  assert.equal((await res.json()).weather, "sunny");
  assert.equal(decodeHeader(res.headers.get("payment-response")).success, true);
  assert.deepEqual(facilitator.calls.map((x) => x.endpoint), ["verify", "settle"]);
});

test("settlement: before with a failed settlement never reaches the upstream", async () => {
  reset({ settle: () => ({ body: { success: false, errorReason: "unexpected_settle_error", transaction: "" } }) });
  const c = await challenge(gw.url("/api/before"));
  const res = await fetch(gw.url("/api/before"), { headers: { "PAYMENT-SIGNATURE": paymentHeader(2, c.v2) } });
  assert.equal(res.status, 402);
  assert.equal(decodeHeader(res.headers.get("payment-response")).errorReason, "unexpected_settle_error");
  assert.equal(upstream.requests.length, 0);
});

test("a v2 payment for the second accepted network is matched to it", async () => {
  reset();
  const { v2doc } = await challenge(gw.url("/api/multi"));
  const res = await fetch(gw.url("/api/multi"), { headers: { "PAYMENT-SIGNATURE": paymentHeader(2, v2doc.accepts[1]) } });
  assert.equal(res.status, 200);
  assert.equal(facilitator.calls[0].body.paymentRequirements.network, "eip155:31337");
});

test("the access log has the payment's outcome and never the payment header", async () => {
  const line = gw.access.findLast((l) => l.payment === "settled");
  assert.ok(line);
  assert.equal(line.payer, BUYER);
  assert.ok(line.transaction);
  assert.ok(!JSON.stringify(gw.access).includes("signature"));
});

// A facilitator's payer goes into an upstream header: bytes that could end that header and start
// another are never taken; the payload's own payer is used instead.
test("a payer with CR/LF from the facilitator cannot inject an upstream header", async () => {
  reset({
    verify: () => ({ body: { isValid: true, payer: "0xabc\r\nX-Injected: 1" } }),
    settle: (b) => ({ body: { success: true, transaction: "0x" + "cd".repeat(32), network: b.paymentRequirements.network, payer: "0xabc\r\nX-Injected: 2" } }),
  });
  const c = await challenge(gw.url("/api/weather"));
  const res = await fetch(gw.url("/api/weather"), { headers: { "PAYMENT-SIGNATURE": paymentHeader(2, c.v2) } });
  assert.equal(res.status, 200);
  assert.equal(upstream.requests.length, 1);
  const seen = upstream.requests[0].headers;
  assert.equal(seen["x-injected"], undefined);
  assert.equal(seen["x-payment-payer"], BUYER);
  // The access line is written once the answer went out: wait for it.
  let log;
  for (let i = 0; i < 50 && !(log = gw.access.find((l) => l.transaction === "0x" + "cd".repeat(32))); i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(log, "the access log has the request");
  assert.equal(log.payer, BUYER);
});
