// Hostile requests against request-dependent prices (README "Prices"): the real gateway, a real
// upstream, a scripted facilitator and a scripted pricer. What the pricer is told must be what the
// upstream reads: a body it cannot be told about faithfully is refused, never priced as if absent.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { startGateway, startUpstream, startFacilitator, baseConfig, challenge, resetRecorders } from "../support/gateway.mjs";
import { request } from "../support/raw.mjs";

let upstream, facilitator, pricer, gw;

async function startPricer() {
  const calls = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const q = JSON.parse(Buffer.concat(chunks).toString("utf8") || "null");
      calls.push(q);
      res.writeHead(200, { "content-type": "application/json" });
      // The dear model costs more; anything else (including no model) the cheap price.
      res.end(JSON.stringify({ price: q.fields.model === "large" ? "$0.05" : "$0.01" }));
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${server.address().port}/price`, calls,
           close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) };
}

before(async () => {
  upstream = await startUpstream();
  facilitator = await startFacilitator();
  pricer = await startPricer();
  const routes = `  - match: "POST /quote/*"
    pricer: { url: "${pricer.url}", timeout: 300ms, fields: [model] }
  - match: "GET /plan/*"
    pricer: { url: "${pricer.url}", timeout: 300ms, headers: [X-Plan] }`;
  gw = await startGateway(baseConfig({ upstream: upstream.url, facilitator: facilitator.url, routes }));
});

after(async () => {
  await gw.stop();
  await upstream.close();
  await facilitator.close();
  await pricer.close();
});

test("a body giving the priced field twice is a 400: the pricer is not told 'no model' while the upstream reads the last", async () => {
  resetRecorders(upstream, facilitator);
  pricer.calls.length = 0;
  const raw = '{"model":"small","model":"large"}';
  assert.equal(JSON.parse(raw).model, "large"); // what a typical upstream reads
  const r = await challenge(gw.url("/quote/a"), { method: "POST", headers: { "content-type": "application/json" }, body: raw });
  assert.equal(r.response.status, 400);
  assert.equal(pricer.calls.length, 0);
  assert.equal(upstream.requests.length, 0);
  // The same field once is priced as usual.
  const once = await challenge(gw.url("/quote/a"), { method: "POST", headers: { "content-type": "application/json" }, body: '{"model":"large"}' });
  assert.equal(once.response.status, 402);
  assert.equal(once.v2.amount, "50000");
});

test("a header the pricer is told of, given twice, is a 400: the pricer would price one value, the upstream may read the other", async () => {
  resetRecorders(upstream, facilitator);
  pricer.calls.length = 0;
  const twice = await request(gw.port, "GET /plan/a HTTP/1.1\r\nHost: gw.test\r\nX-Plan: basic\r\nX-Plan: pro\r\nConnection: close\r\n\r\n");
  assert.equal(twice.status, 400);
  assert.match(twice.body.toString(), /unpriceable_request/);
  assert.equal(pricer.calls.length, 0);
  assert.equal(upstream.requests.length, 0);
  const once = await request(gw.port, "GET /plan/a HTTP/1.1\r\nHost: gw.test\r\nX-Plan: pro\r\nConnection: close\r\n\r\n");
  assert.equal(once.status, 402);
  assert.equal(pricer.calls.length, 1);
  assert.deepEqual(pricer.calls[0].headers, { "X-Plan": "pro" });
});
