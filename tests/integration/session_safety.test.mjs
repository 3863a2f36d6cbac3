// Sessions that end well: a request that cannot be served still gets an answer and gives back its
// connection and in-flight slots, a bad reload cannot break serving, a slow streamed answer is not
// cut by the request-body deadline, and a client that left is not charged.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import { startGateway, startUpstream, startFacilitator, baseConfig, challenge, paymentHeader, decodeHeader, deadPort, resetRecorders } from "../support/gateway.mjs";
import { connect, request, metric, waitFor, sleep } from "../support/raw.mjs";

let upstream, facilitator, gw;

// A slow streamed answer: a first line at once; 1.2 s later a bulk larger than the loopback socket
// buffers (so that a write to a client that is not reading stays pending); then 10 small chunks
// 300 ms apart (~3 s).
const FIRST = "start\n";
const BULK = Buffer.alloc(16 * 1024 * 1024, "x");
const CHUNKS = Array.from({ length: 10 }, (_, i) => `chunk ${i} of a slow answer\n`);

before(async () => {
  upstream = await startUpstream((req, res) => {
    if (req.url.startsWith("/paid-stream") || req.url.startsWith("/free-stream")) {
      res.writeHead(200, { "content-type": "text/plain" });  // no length: chunked
      res.write(FIRST);
      let timer;
      const late = setTimeout(() => {
        res.write(BULK);
        let i = 0;
        timer = setInterval(() => {
          res.write(CHUNKS[i++]);
          if (i === CHUNKS.length) { clearInterval(timer); res.end(); }
        }, 300);
      }, 1200);
      res.on("close", () => { clearTimeout(late); clearInterval(timer); });
      return;
    }
    if (req.url.startsWith("/slow-after")) return setTimeout(() => res.end(JSON.stringify({ slow: true })), 800);
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ ok: true, path: req.url }));
  });
  facilitator = await startFacilitator();
  gw = await startGateway(baseConfig({
    upstream: upstream.url, facilitator: facilitator.url,
    extra: "timeouts: { body_io: 2s, drain: 2s }",
    routes: `  - { match: "POST /paid-stream", price: "$0.01", settlement: before }
  - { match: "POST /free-stream" }
  - { match: "GET /slow-after", price: "$0.01" }
  - { match: "GET /slow-verify-before", price: "$0.01", settlement: before }
  - { match: "/*" }`,
  }));
});

after(async () => {
  await gw.stop();
  await upstream.close();
  await facilitator.close();
});

const reset = (script) => resetRecorders(upstream, facilitator, script);

const settles = () => facilitator.calls.filter((c) => c.endpoint === "settle").length;

// ---- 1. Invalid hosts must not leak connection and in-flight counters ----------------------

// Proves: requests with a non-UTF-8 Host (Host header or absolute-form authority) do not leak the
// open-connection/in-flight counters: after 30 of them, max_connections 10 still admits clients.
test("non-UTF-8 Host: 30 such requests do not exhaust limits.max_connections", async () => {
  const dos = await startGateway(baseConfig({
    upstream: upstream.url, facilitator: "http://127.0.0.1:9", limits: "max_connections: 10",
    extra: "timeouts: { drain: 2s }",
    routes: `  - { match: "GET /paid", price: "$0.01" }
  - { match: "/*" }`,
  }));
  try {
    const attacks = [
      Buffer.from("GET /paid HTTP/1.1\r\nHost: \xff\r\n\r\n", "latin1"),
      Buffer.from("GET http://\xff/paid HTTP/1.1\r\nHost: x\r\n\r\n", "latin1"),
      Buffer.from("GET /.well-known/x402 HTTP/1.1\r\nHost: \xfe\xff\r\n\r\n", "latin1"),
      Buffer.from("GET /free HTTP/1.1\r\nHost: a\xc3\x28b\r\n\r\n", "latin1"),
    ];
    const statuses = [];
    for (let i = 0; i < 30; i++) statuses.push((await request(dos.port, attacks[i % attacks.length], { ms: 3000 })).status);
    const normal = await request(dos.port, "GET /free HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert.equal(normal.status, 200, `a normal request after 30 bad hosts got ${normal.status} ${normal.text} (bad hosts answered: ${statuses.join(",")})`);
    const inFlight = await waitFor(async () => (await metric(dos, "x402gw_in_flight_requests")) === 0, { ms: 3000 });
    assert.ok(inFlight, `x402gw_in_flight_requests is ${await metric(dos, "x402gw_in_flight_requests")}`);
    const open = await waitFor(async () => (await metric(dos, "x402gw_open_connections")) <= 2, { ms: 3000 });
    assert.ok(open, `x402gw_open_connections is ${await metric(dos, "x402gw_open_connections")}`);
    assert.ok(statuses.every((s) => s === 400), `every bad host is answered 400: ${statuses.join(",")}`);
  } finally {
    await dos.stop();
  }
});

// Proves: a reload whose upstream TLS CA file cannot be read is refused (422) and the running
// configuration keeps serving.
test("reload with an unreadable upstream tls.ca_file is refused; the old configuration serves", async () => {
  const config = (extraUpstream = "", extraRoute = "") => baseConfig({
    upstream: upstream.url, facilitator: facilitator.url, extra: "timeouts: { drain: 2s }",
    routes: `  - { match: "GET /old", upstream: api }\n${extraRoute}`,
  }).replace("upstreams:\n", `upstreams:\n${extraUpstream}`);
  const reloading = await startGateway(config());
  try {
    assert.equal((await fetch(reloading.url("/old"))).status, 200);
    const port = await deadPort();
    fs.writeFileSync(reloading.configPath, config(
      `  secure: { url: "https://127.0.0.1:${port}", tls: { ca_file: "/nonexistent/ca.pem" } }\n`,
      `  - { match: "GET /tls", upstream: secure }\n`));
    const res = await fetch(reloading.admin("/admin/reload"), { method: "POST" });
    const body = await res.json();
    assert.equal(res.status, 422, `reload answered ${res.status} ${JSON.stringify(body)}`);
    assert.equal(body.error, "invalid_config");
    assert.equal((await request(reloading.port, "GET /old HTTP/1.1\r\nHost: x\r\n\r\n")).status, 200, "the old routes still serve");
    const tls = await request(reloading.port, "GET /tls HTTP/1.1\r\nHost: x\r\n\r\n", { ms: 5000 });
    assert.equal(tls.status, 404, "the refused configuration's route does not exist");
  } finally {
    await reloading.stop();
  }
});

// ---- 2. The request-body deadline must not cut a slow response ------------------------------

// Sends a 20-byte POST (its body is read at once), reads the answer as it comes for 1 s, then
// stops reading from 1.0 s to 2.6 s: the bulk arriving at 1.2 s leaves a write to this client
// pending across 2.0 s, when timeouts.body_io (2 s) after the body read passes. No write waits as
// long as body_io itself (at most 1.4 s), so only a read deadline left armed can cut the answer.
async function slowPost(path, headers = "") {
  const c = await connect(gw.port);
  try {
    const started = Date.now();
    c.write(`POST ${path} HTTP/1.1\r\nHost: x\r\n${headers}Content-Type: text/plain\r\nContent-Length: 20\r\n\r\n${"b".repeat(20)}`);
    await sleep(1000 - (Date.now() - started));
    c.socket.pause();
    await sleep(2600 - (Date.now() - started));
    c.socket.resume();
    const res = await c.readResponse({ ms: 20000 });
    return { res, received: c.data.length, closed: c.closed };
  } finally {
    c.close();
  }
}

function assertWhole(res, received) {
  assert.ok(res, `the answer was cut off after ${received} bytes`);
  assert.equal(res.status, 200);
  assert.equal(res.body.length, FIRST.length + BULK.length + CHUNKS.join("").length);
  assert.equal(res.body.subarray(0, FIRST.length).toString(), FIRST);
  assert.equal(res.body.subarray(FIRST.length + BULK.length).toString(), CHUNKS.join(""));
}

// Proves: a paid settle-before POST whose answer streams for ~4 s to a client that pauses
// receives the whole answer with its receipt (timeouts.body_io after the body was read does not
// cancel the pending write).
test("settlement before: a slow streamed answer outlives timeouts.body_io and arrives whole", async () => {
  reset();
  const c = await challenge(gw.url("/paid-stream"), { method: "POST" });
  const { res, received } = await slowPost("/paid-stream", `PAYMENT-SIGNATURE: ${paymentHeader(2, c.v2)}\r\n`);
  assertWhole(res, received);
  assert.equal(decodeHeader(res.headers["payment-response"]).success, true);
});

// Proves: the same on a free POST route.
test("free POST: a slow streamed answer outlives timeouts.body_io and arrives whole", async () => {
  reset();
  const { res, received } = await slowPost("/free-stream");
  assertWhole(res, received);
});

// ---- 5. A client that left is not charged ---------------------------------------------------

// Proves: settle-after: a client that closes while the upstream works is not charged, and its
// payment stays usable (presented again it is served and settled once).
test("settlement after: the client leaves during the upstream call -> no settle; the payment works later", async () => {
  reset();
  const c = await challenge(gw.url("/slow-after"));
  const header = paymentHeader(2, c.v2);
  const client = await connect(gw.port);
  client.write(`GET /slow-after HTTP/1.1\r\nHost: x\r\nPAYMENT-SIGNATURE: ${header}\r\n\r\n`);
  assert.ok(await waitFor(() => upstream.requests.length === 1, { ms: 5000 }), "the upstream was called");
  client.close();
  await sleep(1500);  // well past the upstream's 800 ms answer
  assert.equal(settles(), 0, `settled for a client that had left: ${facilitator.calls.map((x) => x.endpoint)}`);

  const res = await fetch(gw.url("/slow-after"), { headers: { "PAYMENT-SIGNATURE": header } });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.deepEqual(body, { slow: true });
  assert.equal(decodeHeader(res.headers.get("payment-response")).success, true);
  assert.equal(settles(), 1);
});

// Proves: settle-before: a client that closes while /verify is pending is not charged.
test("settlement before: the client leaves during /verify -> no settle; the payment works later", async () => {
  reset({ verify: () => ({ delayMs: 800, body: { isValid: true, payer: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC" } }) });
  const c = await challenge(gw.url("/slow-verify-before"));
  const header = paymentHeader(2, c.v2);
  const client = await connect(gw.port);
  client.write(`GET /slow-verify-before HTTP/1.1\r\nHost: x\r\nPAYMENT-SIGNATURE: ${header}\r\n\r\n`);
  assert.ok(await waitFor(() => facilitator.calls.some((x) => x.endpoint === "verify"), { ms: 5000 }), "verify was called");
  client.close();
  await sleep(1500);  // well past the facilitator's 800 ms verify
  assert.equal(settles(), 0, `settled for a client that had left: ${facilitator.calls.map((x) => x.endpoint)}`);

  facilitator.script.verify = undefined;
  const res = await fetch(gw.url("/slow-verify-before"), { headers: { "PAYMENT-SIGNATURE": header } });
  assert.equal(res.status, 200, JSON.stringify(await res.clone().json()));
  assert.equal(decodeHeader(res.headers.get("payment-response")).success, true);
  await res.arrayBuffer();
  assert.equal(settles(), 1);
});
