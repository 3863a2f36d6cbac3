// Issue 21, "meters for upstreams that say nothing": an `upto` route with `meter:` settles what the
// held answer measured (response bytes, wall time, a number at a JSON path, plain or in the last
// event of a chunked SSE stream), clamped to the authorized maximum. Against the real gateway, a
// real upstream that names no charge (unless a test says so) and the scripted facilitator whose
// /supported lists `upto`. Each test says what it proves.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { startGateway, startUpstream, startFacilitator, baseConfig, decodeHeader, BUYER } from "../support/gateway.mjs";
import { metric, waitFor } from "../support/raw.mjs";

const FACILITATOR_ADDRESS = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";
const UPTO_PROXY = "0x4020A4f3b7b90ccA423B9fabCc0CE57C6C240002";
const MAX = "100000"; // "$0.10" of USDC (6 decimals): every route's maximum

let upstream, facilitator, gw;

before(async () => {
  // /bytes?n=<bytes>; /time?ms=<delay>; /json?tokens=<n> (no tokens: no usage);
  // /sse?tokens=<n>: a chunked OpenAI-style stream written event by event, the usage in the last
  // event before [DONE] (no tokens: "usage": null, as without stream_options.include_usage).
  // ?o=<Settlement-Overrides JSON> adds that header.
  upstream = await startUpstream(async (req, res) => {
    const url = new URL(req.url, "http://x");
    const q = url.searchParams;
    const headers = {};
    if (q.has("o")) headers["settlement-overrides"] = q.get("o");
    const tokens = q.has("tokens") ? Number(q.get("tokens")) : null;
    const usage = tokens === null ? null : { prompt_tokens: 5, completion_tokens: tokens - 5, total_tokens: tokens };
    if (url.pathname === "/bytes") {
      res.writeHead(200, { ...headers, "content-type": "application/octet-stream" });
      return res.end(Buffer.alloc(Number(q.get("n")), 0x78));
    }
    if (url.pathname === "/time") {
      await new Promise((r) => setTimeout(r, Number(q.get("ms"))));
      res.writeHead(200, { ...headers, "content-type": "application/json" });
      return res.end("{}");
    }
    if (url.pathname === "/json") {
      res.writeHead(200, { ...headers, "content-type": "application/json" });
      const answer = { id: "cmpl-1", choices: [{ index: 0, text: "a \"usage\": {\"total_tokens\": 999} in the text" }] };
      if (usage) answer.usage = usage;
      return res.end(JSON.stringify(answer));
    }
    if (url.pathname === "/sse") {
      res.writeHead(200, { ...headers, "content-type": "text/event-stream" });  // no length: chunked
      for (let i = 0; i < 5; i++) {
        res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: "tok" + i } }], usage: null })}\n\n`);
        await new Promise((r) => setTimeout(r, 10));
      }
      res.write(`data: ${JSON.stringify({ choices: [], usage })}\n\n`);
      return res.end("data: [DONE]\n\n");
    }
    res.writeHead(404);
    res.end();
  });
  facilitator = await startFacilitator({
    supported: () => ({ body: { kinds: [{ x402Version: 2, scheme: "upto", network: "eip155:84532", extra: { facilitatorAddress: FACILITATOR_ADDRESS } }], extensions: [], signers: {} } }),
    settle: (b) => ({ body: { success: true, transaction: "0x" + crypto.randomBytes(32).toString("hex"), network: b.paymentRequirements.network, payer: BUYER, amount: b.paymentRequirements.amount } }),
  });
  const meter = (m) => `scheme: upto, price: "$0.10", meter: ${m}`;
  gw = await startGateway(baseConfig({
    upstream: upstream.url, facilitator: facilitator.url,
    routes: `  - { match: "GET /bytes", ${meter('{ bytes: 1KiB, price: "$0.0001" }')} }
  - { match: "GET /time", ${meter('{ time: 1s, price: "$0.01" }')} }
  - { match: "GET /json", ${meter('{ json: usage.total_tokens, per: 1000, price: "$0.002" }')} }
  - { match: "GET /sse", ${meter('{ json: usage.total_tokens, per: 1000, price: "$0.002" }')} }`,
  }));
  assert.ok(await waitFor(async () => (await challengeOf("/json")).extra?.facilitatorAddress), gw.stderr());
});

after(async () => {
  await gw.stop();
  await upstream.close();
  await facilitator.close();
});

async function challengeOf(route) {
  const response = await fetch(gw.url(route));
  return decodeHeader(response.headers.get("payment-required")).accepts.find((a) => a.scheme === "upto");
}

/** An upto payment for `accepted` as @x402/evm's upto client builds it (the signature is not real:
 *  the scripted facilitator decides what is valid). */
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

async function pay(target) {
  const accepted = await challengeOf(target.split("?")[0]);
  const res = await fetch(gw.url(target), { headers: { "PAYMENT-SIGNATURE": uptoPayment(accepted) } });
  return { res, body: await res.text() };
}

/** The one /settle's amount (atomic units). */
function settled() {
  assert.equal(settles().length, 1, "one /settle");
  return settles()[0].body.paymentRequirements.amount;
}

// Proves: the bytes meter charges the body bytes sent to the client, pro rata per KiB, rounded up.
test("bytes: 3,000 bytes at $0.0001 per KiB settle 293 (292.97 rounded up)", async () => {
  reset();
  const { res, body } = await pay("/bytes?n=3000");
  assert.equal(res.status, 200);
  assert.equal(body.length, 3000);
  assert.equal(settled(), "293");
  assert.equal(decodeHeader(res.headers.get("payment-response")).amount, "293");
});

// Proves: the time meter charges the wall time from the forward to the end of the answer.
test("time: a 300 ms answer at $0.01 per second settles about 3,000", async () => {
  reset();
  const { res } = await pay("/time?ms=300");
  assert.equal(res.status, 200);
  const amount = Number(settled());
  assert.ok(amount >= 3000 && amount < 20000, `charged ${amount} for ~300 ms`);
});

// Proves: the JSON-path meter reads usage.total_tokens of a plain JSON answer (not a look-alike
// inside a string); /settle asks for that amount with the maximum still in the payload; the
// receipt, the access log and the revenue say what was charged.
test("json: 1,500 tokens at $0.002 per 1,000 settle 3,000; /settle body, receipt, access log, revenue", async () => {
  reset();
  const series = 'x402gw_revenue_atomic_units_total{route="GET /json",network="eip155:84532",asset="USDC"}';
  const revenue = await metric(gw, series);
  const { res, body } = await pay("/json?tokens=1500");
  assert.equal(res.status, 200, body);
  assert.equal(JSON.parse(body).usage.total_tokens, 1500, "the answer reaches the client untouched");
  assert.equal(settled(), "3000");
  assert.equal(settles()[0].body.paymentPayload.accepted.amount, MAX);
  const receipt = decodeHeader(res.headers.get("payment-response"));
  assert.equal(receipt.success, true);
  assert.equal(receipt.amount, "3000");
  const line = await waitFor(() => gw.access.findLast((l) => l.transaction === receipt.transaction), { ms: 3000 });
  assert.ok(line, "an access log line");
  assert.equal(line.amount, "3000");
  assert.equal(line.payment, "settled");
  assert.equal(await metric(gw, series), revenue + 3000);
  assert.ok(await metric(gw, 'x402gw_settle_amounts_total{route="GET /json",decision="meter"}') >= 1);
});

// Proves: on a chunked SSE stream, the meter reads the usage of the last data event before [DONE],
// and the client gets the whole stream.
test("json on SSE: the usage of the last event of a chunked stream, 2,500 tokens settle 5,000", async () => {
  reset();
  const { res, body } = await pay("/sse?tokens=2500");
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type"), /text\/event-stream/);
  assert.match(body, /"total_tokens":2500[\s\S]*data: \[DONE\]\n\n$/);
  assert.equal(settled(), "5000");
});

// Proves: an answer that does not say (a stream without include_usage, a JSON answer without
// usage) is charged the maximum the buyer authorized, logged and counted for the operator.
test("missing usage: charged the maximum, logged and counted", async () => {
  for (const target of ["/sse", "/json"]) {
    reset();
    const route = `GET ${target}`;
    const unread = await metric(gw, `x402gw_meter_unread_total{route="${route}"}`);
    const { res } = await pay(target);
    assert.equal(res.status, 200);
    assert.equal(settled(), MAX, target);
    assert.equal(decodeHeader(res.headers.get("payment-response")).amount, MAX);
    assert.equal(await metric(gw, `x402gw_meter_unread_total{route="${route}"}`), unread + 1, target);
  }
  assert.match(gw.stderr(), /the meter found no usage.*usage\.total_tokens/);
});

// Proves: zero tokens charge nothing: no /settle, a receipt of amount 0.
test("zero tokens: nothing is settled", async () => {
  reset();
  const { res } = await pay("/json?tokens=0");
  assert.equal(res.status, 200);
  assert.equal(settles().length, 0);
  assert.equal(decodeHeader(res.headers.get("payment-response")).amount, "0");
});

// Proves: a meter reading above the maximum is clamped to it, and counted as clamped.
test("clamping: 10,000,000 tokens ($20) settle the $0.10 maximum", async () => {
  reset();
  const clamped = await metric(gw, 'x402gw_settle_amounts_total{route="GET /json",decision="clamped"}');
  const { res } = await pay("/json?tokens=10000000");
  assert.equal(res.status, 200);
  assert.equal(settled(), MAX);
  assert.equal(decodeHeader(res.headers.get("payment-response")).amount, MAX);
  assert.equal(await metric(gw, 'x402gw_settle_amounts_total{route="GET /json",decision="clamped"}'), clamped + 1);
});

// Proves: the upstream's own word (Settlement-Overrides) wins over the meter, and is stripped.
test("an upstream's Settlement-Overrides wins over the meter", async () => {
  reset();
  const { res } = await pay(`/json?tokens=1500&o=${q({ amount: "7" })}`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("settlement-overrides"), null);
  assert.equal(settled(), "7");
});

// Proves: a json-metered request asks the upstream for an uncompressed answer (a compressed one
// could not be read, and would be charged the maximum), whatever the client accepts; a bytes
// meter leaves the client's Accept-Encoding alone.
test("a json-metered request reaches the upstream with Accept-Encoding: identity", async () => {
  reset();
  for (const target of ["/json?tokens=1000", "/bytes?n=10"]) {
    const accepted = await challengeOf(target.split("?")[0]);
    const res = await fetch(gw.url(target), { headers: { "PAYMENT-SIGNATURE": uptoPayment(accepted), "Accept-Encoding": "gzip, br" } });
    assert.equal(res.status, 200);
    await res.arrayBuffer();
  }
  assert.equal(upstream.requests[0].headers["accept-encoding"], "identity");
  assert.equal(upstream.requests[1].headers["accept-encoding"], "gzip, br");
  assert.equal(settles()[0].body.paymentRequirements.amount, "2000");
});
