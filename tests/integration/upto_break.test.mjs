// Hostile checks of metered (upto) payments and of the Settlement-Overrides convention, against
// the real gateway, a real upstream and the scripted facilitator (its /supported lists upto with a
// facilitatorAddress). Each test says what it proves and is written to fail against the defect it
// names.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { startGateway, startUpstream, startFacilitator, baseConfig, decodeHeader, paymentHeader, challenge, rawExchange, BUYER } from "../support/gateway.mjs";
import { request, waitFor } from "../support/raw.mjs";

const FACILITATOR_ADDRESS = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";
const UPTO_PROXY = "0x4020A4f3b7b90ccA423B9fabCc0CE57C6C240002";
const MAX = "100000";

let upstream, facilitator, gw, pricer;
let lastTrailers = {};  // the request trailers the upstream last received

before(async () => {
  // ?o=<Settlement-Overrides JSON> as a header; ?t=<...> as a trailer of a chunked answer.
  upstream = await startUpstream((req, res) => {
    lastTrailers = { ...req.trailers };
    const q = new URL(req.url, "http://x").searchParams;
    if (q.has("t")) {
      res.writeHead(200, { "content-type": "text/event-stream", trailer: "Settlement-Overrides" });
      res.write("data: {\"n\":1}\n\n");
      res.addTrailers({ "Settlement-Overrides": q.get("t") });
      return res.end("data: [DONE]\n\n");
    }
    const headers = { "content-type": "application/json" };
    if (q.has("o")) headers["settlement-overrides"] = q.get("o");
    res.writeHead(200, headers);
    res.end(JSON.stringify({ ok: true }));
  });
  facilitator = await startFacilitator({
    supported: () => ({ body: { kinds: [
      { x402Version: 2, scheme: "upto", network: "eip155:84532", extra: { facilitatorAddress: FACILITATOR_ADDRESS } },
      { x402Version: 2, scheme: "exact", network: "eip155:84532" },
    ], extensions: [], signers: {} } }),
    settle: (b) => ({ body: { success: true, transaction: "0x" + crypto.randomBytes(32).toString("hex"), network: b.paymentRequirements.network, payer: BUYER, amount: b.paymentRequirements.amount } }),
  });
  // The pricer quotes an upto maximum of $5 (the route's placeholder requirement is $1).
  pricer = await startUpstream((req, res) => {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ price: "$0.01", max: "$5" }));
  });
  gw = await startGateway(baseConfig({
    upstream: upstream.url, facilitator: facilitator.url,
    // Every request body streams (no buffering): its trailers come after the head was forwarded.
    limits: "request_buffering: 0",
    routes: `  - { match: "GET /h", scheme: upto, price: "$0.10" }
  - { match: "POST /h", scheme: upto, price: "$0.10" }
  - { match: "GET /before", price: "$0.01", settlement: before }
  - match: "GET /priced"
    scheme: upto
    pricer: { url: "${pricer.url}/price" }
    meter: { json: usage.total_tokens, price: "$0.001" }`,
  }));
  assert.ok(await waitFor(async () => (await uptoAccepted("/h"))?.extra?.facilitatorAddress), gw.stderr());
});

after(async () => {
  await gw.stop();
  await upstream.close();
  await facilitator.close();
  await pricer.close();
});

async function uptoAccepted(route) {
  const response = await fetch(gw.url(route));
  await response.arrayBuffer();
  return decodeHeader(response.headers.get("payment-required")).accepts.find((a) => a.scheme === "upto");
}

function uptoPayment(accepted) {
  const payload = {
    signature: "0x" + "aa".repeat(65),
    permit2Authorization: {
      from: BUYER,
      permitted: { token: accepted.asset, amount: accepted.amount },
      spender: UPTO_PROXY,
      nonce: BigInt("0x" + crypto.randomBytes(32).toString("hex")).toString(),
      deadline: String(Math.floor(Date.now() / 1000) + accepted.maxTimeoutSeconds),
      witness: { to: accepted.payTo, facilitator: accepted.extra.facilitatorAddress, validAfter: "0" },
    },
  };
  return Buffer.from(JSON.stringify({ x402Version: 2, accepted, payload, resource: { url: "http://x/" } })).toString("base64");
}

const settles = () => facilitator.calls.filter((c) => c.endpoint === "settle");
const reset = () => { facilitator.calls.length = 0; upstream.requests.length = 0; };
const q = (o) => encodeURIComponent(JSON.stringify(o));

// Proves: an override naming "amount" twice is not read as its last member (which would settle
// nothing here): it is the upstream's malformed answer, nothing is settled and the client gets no
// answer it did not pay for.
test("an override naming amount twice is malformed: nothing settled, no free answer", async () => {
  reset();
  const accepted = await uptoAccepted("/h");
  const res = await fetch(gw.url(`/h?o=${encodeURIComponent('{"amount":"50000","amount":"0"}')}`), { headers: { "PAYMENT-SIGNATURE": uptoPayment(accepted) } });
  const body = await res.text();
  assert.equal(res.status, 502, body);
  assert.equal(settles().length, 0);
  assert.equal(res.headers.get("settlement-overrides"), null);
});

// Proves: a client's own Settlement-Overrides request header (or trailer) never reaches the
// upstream: the field is the upstream's word to the gateway, and an upstream that passes request
// fields through (an echoing or chained service) must not be able to return the client's.
test("a client's Settlement-Overrides request header is not forwarded upstream", async () => {
  reset();
  const accepted = await uptoAccepted("/h");
  const res = await fetch(gw.url("/h"), { headers: { "PAYMENT-SIGNATURE": uptoPayment(accepted), "Settlement-Overrides": '{"amount":"0"}' } });
  assert.equal(res.status, 200, await res.text());
  assert.equal(upstream.requests.length, 1);
  assert.equal(upstream.requests[0].headers["settlement-overrides"], undefined);
  // The free route too: the gateway owns the name whatever the route.
  reset();
  const c = await challenge(gw.url("/before"));
  const paid = await fetch(gw.url("/before"), { headers: { "PAYMENT-SIGNATURE": paymentHeader(2, c.v2), "Settlement-Overrides": '{"amount":"0"}' } });
  assert.equal(paid.status, 200, await paid.text());
  assert.equal(upstream.requests[0].headers["settlement-overrides"], undefined);
});

// Proves: a streamed answer (settlement: before) shows the client neither the upstream's
// Settlement-Overrides header nor its trailer.
test("a streamed answer relays neither the Settlement-Overrides header nor trailer", async () => {
  reset();
  const c = await challenge(gw.url("/before"));
  const viaHeader = await fetch(gw.url(`/before?o=${q({ amount: "1" })}`), { headers: { "PAYMENT-SIGNATURE": paymentHeader(2, c.v2) } });
  assert.equal(viaHeader.status, 200);
  await viaHeader.text();
  assert.equal(viaHeader.headers.get("settlement-overrides"), null);
  // Every byte the client gets, trailer section included (the raw reader keeps it).
  const raw = await rawExchange(gw.port, `GET /before?t=${q({ amount: "7777" })} HTTP/1.1\r\nHost: x\r\nTE: trailers\r\nConnection: close\r\nPAYMENT-SIGNATURE: ${paymentHeader(2, c.v2)}\r\n\r\n`);
  assert.match(raw.data, /^HTTP\/1\.1 200/, raw.data);
  assert.match(raw.data, /data: \[DONE\]/);
  assert.doesNotMatch(raw.data, /settlement-overrides|7777/i);
});

// Proves: an override the gateway cannot read stays the gateway's: the client's 502 says the
// upstream named its charge in a form the gateway cannot read, never what it named (the log does).
test("a malformed override's text is logged, never shown to the client", async () => {
  for (const override of ['{"amount":"SECRET-4242"}', '{"amount":"$12.5.7-SECRET"}', '{"amount":"4242.555%"}']) {
    reset();
    const accepted = await uptoAccepted("/h");
    const res = await fetch(gw.url(`/h?o=${encodeURIComponent(override)}`), { headers: { "PAYMENT-SIGNATURE": uptoPayment(accepted) } });
    const body = await res.text();
    assert.equal(res.status, 502, body);
    assert.equal(settles().length, 0);
    assert.match(body, /invalid_settlement_override/);
    assert.doesNotMatch(body, /SECRET|4242/, "the upstream's override text reached the client");
    for (const [name, value] of res.headers) assert.doesNotMatch(`${name}: ${value}`, /SECRET|4242/);
  }
  assert.ok(await waitFor(() => /SECRET-4242/.test(gw.stderr())), "the operator's log names the unreadable override");
});

// Proves: a metered answer that does not say (no usage) is charged THIS request's authorized
// maximum, as the meter promises, also when the maximum is the request's own (a pricer's "max"),
// not the route's placeholder amount: a buyer who leaves the usage out cannot pay less than the
// maximum they signed for.
test("an unread meter on a priced upto route charges the request's maximum, not the route's placeholder", async () => {
  reset();
  const accepted = await uptoAccepted("/priced");
  assert.equal(accepted.amount, "5000000");
  const res = await fetch(gw.url("/priced"), { headers: { "PAYMENT-SIGNATURE": uptoPayment(accepted) } });
  assert.equal(res.status, 200, await res.text());
  assert.equal(settles().length, 1);
  assert.equal(settles()[0].body.paymentRequirements.amount, "5000000");
  assert.equal(decodeHeader(res.headers.get("payment-response")).amount, "5000000");
});

// Proves: a client's Settlement-Overrides smuggled as a trailer of a streamed (chunked) request body
// does not reach the upstream either (a regression guard: it passed before, the relay drops request
// trailers).
test("a client's Settlement-Overrides request trailer is not forwarded upstream", async () => {
  reset();
  lastTrailers = {};
  const accepted = await uptoAccepted("/h");
  const raw = await request(gw.port, `POST /h HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTrailer: Settlement-Overrides\r\n` +
    `PAYMENT-SIGNATURE: ${uptoPayment(accepted)}\r\n\r\n5\r\nhello\r\n0\r\nSettlement-Overrides: {"amount":"0"}\r\nX-Other: kept\r\n\r\n`);
  assert.equal(raw.status, 200, raw.text);
  assert.equal(upstream.requests.length, 1);
  assert.equal(upstream.requests[0].body, "hello");
  assert.equal(lastTrailers["settlement-overrides"], undefined, JSON.stringify(lastTrailers));
  assert.equal(settles().length, 1);
  assert.equal(settles()[0].body.paymentRequirements.amount, MAX);
});

// Proves: an answer charged zero used its payment up: presenting the same payment again (even for
// a route that would charge it) gets no second answer and settles nothing.
test("a zero-charge upto payment presented again gets no second answer", async () => {
  reset();
  const accepted = await uptoAccepted("/h");
  const header = uptoPayment(accepted);
  const first = await fetch(gw.url(`/h?o=${q({ amount: "0" })}`), { headers: { "PAYMENT-SIGNATURE": header } });
  assert.equal(first.status, 200, await first.text());
  assert.equal(settles().length, 0);
  for (const target of [`/h?o=${q({ amount: "0" })}`, `/h?o=${q({ amount: "5" })}`, "/h"]) {
    const again = await fetch(gw.url(target), { headers: { "PAYMENT-SIGNATURE": header } });
    const body = await again.text();
    assert.equal(again.status, 402, body);
  }
  assert.equal(upstream.requests.length, 1, "the upstream answered once");
  assert.equal(settles().length, 0);
});
