// An external pricer (README "Prices" > "From a pricer"): the real gateway, a real upstream, a
// scripted facilitator and a scripted pricer HTTP server. Fail closed: a pricer that is down,
// slow or confused gets a 503, never a free answer.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { startGateway, startUpstream, startFacilitator, baseConfig, challenge, paymentHeader, resetRecorders, deadPort } from "../support/gateway.mjs";

let upstream, facilitator, pricer, gw;

// A pricer whose answer the test scripts: script(body, req) => { status?, body?, raw?, delayMs? }.
async function startPricer() {
  const calls = [];
  const state = { script: () => ({ body: { price: "$0.01" } }) };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", async () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "null");
      calls.push({ url: req.url, method: req.method, body });
      const act = state.script(body, req);
      if (act.delayMs) await new Promise((r) => setTimeout(r, act.delayMs));
      if (res.destroyed) return;
      res.writeHead(act.status || 200, { "content-type": "application/json" });
      res.end(act.raw !== undefined ? act.raw : JSON.stringify(act.body));
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const port = server.address().port;
  return { url: `http://127.0.0.1:${port}/price`, calls, state, close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) };
}

before(async () => {
  upstream = await startUpstream();
  facilitator = await startFacilitator();
  pricer = await startPricer();
  const dead = await deadPort();
  const routes = `  - match: "POST /quote/*"
    pricer: { url: "${pricer.url}", timeout: 300ms, headers: [X-Plan], fields: [model], body_digest: true,
              breaker: { failures: 100 } }
  - match: "GET /cached/*"
    pricer: { url: "${pricer.url}", timeout: 300ms, cache: { key: [method, path, "query:size"], ttl: 30s } }
  - match: "GET /down/*"
    pricer: { url: "http://127.0.0.1:${dead}/price", timeout: 300ms, breaker: { failures: 2, open_for: 30s } }`;
  gw = await startGateway(baseConfig({ upstream: upstream.url, facilitator: facilitator.url, routes }));
});

after(async () => {
  await gw.stop();
  await upstream.close();
  await facilitator.close();
  await pricer.close();
});

const reset = (script) => {
  resetRecorders(upstream, facilitator);
  pricer.calls.length = 0;
  pricer.state.script = script;
};
const post = (body, headers = {}) => ({ method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

test("the pricer is asked with the method, path, chosen headers and fields and a body digest, and the 402 quotes its price", async () => {
  reset((q) => ({ body: { price: q.fields.model === "large" ? "$0.05" : "12300" } }));
  const large = await challenge(gw.url("/quote/a?x=1"), post({ model: "large", prompt: "p" }, { "X-Plan": "gold", "X-Other": "no" }));
  assert.equal(large.response.status, 402);
  assert.equal(large.v2.amount, "50000");
  const call = pricer.calls[0];
  assert.equal(call.method, "POST");
  assert.equal(call.url, "/price");
  assert.equal(call.body.method, "POST");
  assert.equal(call.body.path, "/quote/a?x=1");
  assert.deepEqual(call.body.headers, { "X-Plan": "gold" });
  assert.deepEqual(call.body.fields, { model: "large" });
  const crypto = await import("node:crypto");
  assert.equal(call.body.body_sha256, crypto.createHash("sha256").update(JSON.stringify({ model: "large", prompt: "p" })).digest("hex"));
  const atomic = await challenge(gw.url("/quote/a"), post({ model: "small" }));
  assert.equal(atomic.v2.amount, "12300");
  assert.equal(upstream.requests.length, 0);
});

test("a paid request is checked against the pricer's price for the request it comes with", async () => {
  reset((q) => ({ body: { price: q.fields.model === "large" ? "$0.05" : "$0.01" } }));
  const cheap = await challenge(gw.url("/quote/b"), post({ model: "small" }));
  const cheat = await fetch(gw.url("/quote/b"), post({ model: "large" }, { "PAYMENT-SIGNATURE": paymentHeader(2, cheap.v2) }));
  assert.equal(cheat.status, 402);
  assert.equal(upstream.requests.length, 0);
  assert.equal(facilitator.calls.length, 0);
  const payload = { model: "small", n: 1 };
  const paid = await fetch(gw.url("/quote/b"), post(payload, { "PAYMENT-SIGNATURE": paymentHeader(2, cheap.v2) }));
  assert.equal(paid.status, 200);
  assert.equal(upstream.requests.length, 1);
  assert.deepEqual(JSON.parse(upstream.requests[0].body), payload);
  assert.equal(facilitator.calls.find((c) => c.endpoint === "settle").body.paymentRequirements.amount, "10000");
});

test("free: the request reaches the upstream without a payment, body and all", async () => {
  reset(() => ({ body: { free: true } }));
  const res = await fetch(gw.url("/quote/free"), post({ model: "demo" }));
  assert.equal(res.status, 200);
  assert.equal(upstream.requests.length, 1);
  assert.deepEqual(JSON.parse(upstream.requests[0].body), { model: "demo" });
  assert.equal(facilitator.calls.length, 0);
});

test("refuse: 403 with the pricer's reason, and nothing reaches the upstream", async () => {
  reset(() => ({ body: { refuse: true, reason: "model retired" } }));
  const res = await fetch(gw.url("/quote/refused"), post({ model: "old" }));
  assert.equal(res.status, 403);
  const body = await res.json();
  assert.equal(body.error, "pricer_refused");
  assert.match(body.message, /model retired/);
  assert.equal(upstream.requests.length, 0);
});

test("garbage from the pricer is a 503, never a free request", async () => {
  for (const act of [{ raw: "not json" }, { body: { price: 0.01 } }, { body: { price: "$0" } }, { body: { price: "-5" } }, { body: {} },
    { body: { price: "$0.01", free: true } }, { status: 500, body: { price: "$0.01" } }]) {
    reset(() => act);
    const res = await fetch(gw.url("/quote/garbage"), post({ model: "x" }));
    assert.equal(res.status, 503, JSON.stringify(act));
    const code = (await res.json()).error;
    assert.ok(code === "pricer_bad_response" || code === "pricer_unavailable", code);
    assert.equal(upstream.requests.length, 0);
  }
});

test("a slow pricer is a 503 pricer_timeout once its timeout passes", async () => {
  reset(() => ({ delayMs: 1500, body: { price: "$0.01" } }));
  const started = Date.now();
  const res = await fetch(gw.url("/quote/slow"), post({ model: "x" }));
  assert.equal(res.status, 503);
  assert.equal((await res.json()).error, "pricer_timeout");
  assert.ok(Date.now() - started < 1400, `answered after ${Date.now() - started}ms`);
  assert.equal(upstream.requests.length, 0);
});

test("a pricer that is down is a 503; its breaker opens and readiness and metrics say so", async () => {
  reset();
  for (let i = 0; i < 3; ++i) {
    const res = await fetch(gw.url("/down/x"));
    assert.equal(res.status, 503);
    const code = (await res.json()).error;
    assert.equal(code, "pricer_unavailable");  // connection refused, then the open breaker (the same public code)
  }
  assert.equal(upstream.requests.length, 0);
  const ready = await fetch(`http://127.0.0.1:${gw.adminPort}/readyz`);
  const text = await ready.text();
  assert.match(text, /pricer/);
  assert.match(text, /\/down\/\*/);
  const metrics = await (await fetch(`http://127.0.0.1:${gw.adminPort}/metrics`)).text();
  assert.match(metrics, /x402gw_pricer_breaker_state\{route="GET \/down\/\*"\} 1/);
  assert.match(metrics, /x402gw_pricer_requests_total\{route="GET \/down\/\*",outcome="pricer_circuit_open"\} 1/);
});

test("cached: two requests with the same key ask the pricer once; another key asks again", async () => {
  reset(() => ({ body: { price: "$0.02" } }));
  const a = await challenge(gw.url("/cached/img?size=l&junk=1"));
  const b = await challenge(gw.url("/cached/img?size=l&junk=2"));
  assert.equal(a.v2.amount, "20000");
  assert.equal(b.v2.amount, "20000");
  assert.equal(pricer.calls.length, 1);
  await challenge(gw.url("/cached/img?size=s"));
  assert.equal(pricer.calls.length, 2);
  const metrics = await (await fetch(`http://127.0.0.1:${gw.adminPort}/metrics`)).text();
  assert.match(metrics, /x402gw_pricer_cache_total\{route="GET \/cached\/\*",result="hit"\} 1/);
});

test("unpaid requests draw from the challenge rate limit before the pricer is asked", async () => {
  reset(() => ({ body: { price: "$0.01" } }));
  const limited = await startGateway(baseConfig({
    upstream: upstream.url, facilitator: facilitator.url, limits: "challenges_per_second: 1, challenge_burst: 2",
    routes: `  - match: "GET /limited/*"\n    pricer: { url: "${pricer.url}", timeout: 300ms }`,
  }));
  try {
    const statuses = [];
    for (let i = 0; i < 6; ++i) statuses.push((await fetch(limited.url(`/limited/${i}`))).status);
    // A burst of 2, then about one a second: the last ones are refused (a slow machine may let one more through).
    assert.deepEqual(statuses.slice(0, 2), [402, 402]);
    assert.ok(statuses.filter((s) => s === 429).length >= 3, statuses.join(","));
    // A flood of unpaid requests is not a flood of pricer calls: only the challenges drawn asked it.
    assert.equal(pricer.calls.length, statuses.filter((s) => s === 402).length);
  } finally {
    await limited.stop();
  }
});
