// Issue 20, defect 1: one connection cannot take memory without bound. A client (main and admin
// listeners) or an upstream that sends an endless chunk-size line or trailer section is refused
// within a few KiB; the gateway's resident memory (VmRSS) is measured while the stream runs.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import net from "node:net";
import { startGateway, startFacilitator, baseConfig, challenge, paymentHeader } from "../support/gateway.mjs";
import { metric, parseResponse } from "../support/raw.mjs";

const MiB = 1024 * 1024;
const STREAM_BYTES = 96 * MiB;  // what an unbounded buffer would take in; the bound is a few dozen KiB
const ALLOWED_GROWTH = 24 * MiB;  // threads, arenas and the test's other connections, generously

let upstream, facilitator, gw;
let mode = "endless-extension";  // what the raw upstream answers

const filler = Buffer.alloc(MiB, "a");
const trailerLines = Buffer.from("X-T: 1\r\n".repeat(MiB / 8));

function rss(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m[1]) * 1024;
}

/** Writes `head`, then `body` over and over (up to STREAM_BYTES) with back-pressure, until the
 *  peer closes. Samples the gateway's RSS meanwhile; resolves to { peak, sent, data (Buffer) }. */
function streamAndMeasure(port, head, body, pid) {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    let peak = rss(pid), sent = 0, data = Buffer.alloc(0), done = false;
    const sampler = setInterval(() => { peak = Math.max(peak, rss(pid)); }, 10);
    const finish = () => {
      if (done) return;
      done = true;
      clearInterval(sampler);
      peak = Math.max(peak, rss(pid));
      socket.destroy();
      resolve({ peak, sent, data });
    };
    socket.on("data", (d) => { data = Buffer.concat([data, d]); });
    socket.on("close", finish);
    socket.on("error", () => {});
    const pump = () => {
      while (!done && sent < STREAM_BYTES) {
        sent += body.length;
        if (!socket.write(body)) return socket.once("drain", pump);
      }
      if (sent >= STREAM_BYTES) setTimeout(finish, 500);  // all sent: the gateway had it all
    };
    socket.once("connect", () => { socket.write(head); pump(); });
    setTimeout(finish, 20000);
  });
}

// An upstream that answers every request with a response whose chunk framing never ends.
function startEndlessUpstream() {
  const sockets = new Set();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    let seen = "";
    socket.on("data", (d) => {
      seen += d.toString("latin1");
      if (!seen.includes("\r\n\r\n")) return;
      seen = "";
      const head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n";
      const [start, body] = mode === "endless-extension" ? [head + "1;", filler] : [head + "3\r\nabc\r\n0\r\n", trailerLines];
      socket.write(start);
      let sent = 0;
      const pump = () => {
        while (!socket.destroyed && sent < STREAM_BYTES) {
          sent += body.length;
          if (!socket.write(body)) return socket.once("drain", pump);
        }
      };
      pump();
    });
  });
  return new Promise((r) => server.listen(0, "127.0.0.1", () => r({
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((c) => { for (const s of sockets) s.destroy(); server.close(() => c()); }),
  })));
}

before(async () => {
  upstream = await startEndlessUpstream();
  facilitator = await startFacilitator();
  gw = await startGateway(baseConfig({ upstream: upstream.url, facilitator: facilitator.url, routes: `  - { match: "GET /paid", price: "$0.01" }
  - { match: "/*" }` }));
});

after(async () => {
  await gw.stop();
  await upstream.close();
  await facilitator.close();
});

const chunkedPost = (path = "/free") => `POST ${path} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n`;

function assertBounded(name, base, run, t) {
  const growth = run.peak - base;
  t?.diagnostic(`${name}: RSS ${(base / MiB).toFixed(1)} MiB -> peak ${(run.peak / MiB).toFixed(1)} MiB`);
  assert.ok(growth < ALLOWED_GROWTH, `${name}: RSS grew by ${(growth / MiB).toFixed(1)} MiB while ${(run.sent / MiB).toFixed(0)} MiB were sent`);
}

function refusal(run) {
  const res = parseResponse(run.data, { closed: true });
  return res ? { status: res.status, body: JSON.parse(res.body.toString() || "{}") } : undefined;
}

for (const [name, bytes, body] of [
  ["an endless chunk extension ('1;' then 'aaaa...')", chunkedPost() + "1;", filler],
  ["an endless trailer section", chunkedPost() + "3\r\nabc\r\n0\r\n", trailerLines],
  ["an endless trailer field", chunkedPost() + "3\r\nabc\r\n0\r\nX-T: ", filler],
]) {
  // Proves: the request reader refuses the framing within a few KiB and memory stays flat.
  test(`main listener: ${name} is refused with 400 and RSS stays bounded`, async (t) => {
    const breaches = await metric(gw, 'x402gw_limit_breaches_total{limit="chunk_framing"}');
    const base = rss(gw.pid);
    const run = await streamAndMeasure(gw.port, bytes, body, gw.pid);
    assertBounded(name, base, run, t);
    assert.ok(run.sent < STREAM_BYTES, `the gateway read all ${run.sent} bytes instead of refusing`);
    const res = refusal(run);
    if (res) {  // the 400 can be lost to the reset of a close with unread bytes; the metric cannot
      assert.equal(res.status, 400);
      assert.equal(res.body.error, "chunk_framing_too_large");
    }
    assert.equal(await metric(gw, 'x402gw_limit_breaches_total{limit="chunk_framing"}'), breaches + 1);
  });
}

// Proves: the admin listener's reader is bounded the same way.
test("admin listener: an endless chunk extension is refused and RSS stays bounded", async (t) => {
  const base = rss(gw.pid);
  const run = await streamAndMeasure(gw.adminPort, chunkedPost("/admin/reload") + "1;", filler, gw.pid);
  assertBounded("admin", base, run, t);
  assert.ok(run.sent < STREAM_BYTES, `the admin listener read all ${run.sent} bytes`);
  const res = refusal(run);
  if (res) assert.equal(res.body.error, "chunk_framing_too_large");
});

for (const upstreamMode of ["endless-extension", "endless-trailers"]) {
  // Proves: an upstream's endless chunk framing is refused (502) with bounded memory, on the
  // streamed path (free route).
  test(`upstream response with ${upstreamMode}: 502 and RSS stays bounded`, async (t) => {
    mode = upstreamMode;
    const base = rss(gw.pid);
    const sampler = { peak: base };
    const timer = setInterval(() => { sampler.peak = Math.max(sampler.peak, rss(gw.pid)); }, 10);
    const res = await fetch(gw.url("/free"), { signal: AbortSignal.timeout(20000) }).catch((e) => ({ status: `error ${e.message}` }));
    let body = "";
    try { body = res.text ? await res.text() : ""; } catch { /* a broken-off body */ }
    clearInterval(timer);
    sampler.peak = Math.max(sampler.peak, rss(gw.pid));
    assertBounded(upstreamMode, base, { ...sampler, sent: STREAM_BYTES }, t);
    if (upstreamMode === "endless-extension") {
      assert.equal(res.status, 502, body);
      assert.equal(JSON.parse(body).error, "upstream_bad_response");
    }
    assert.match(gw.stderr(), /upstream response refused: its chunk framing/);
  });
}

// Proves: the held answer of a settle-after route (read whole before settling) is bounded too.
test("upstream response on the held (settle-after) path: 502, no settlement, RSS bounded", async (t) => {
  mode = "endless-extension";
  const { v2 } = await challenge(gw.url("/paid"));
  facilitator.calls.length = 0;
  const base = rss(gw.pid);
  const sampler = { peak: base };
  const timer = setInterval(() => { sampler.peak = Math.max(sampler.peak, rss(gw.pid)); }, 10);
  const res = await fetch(gw.url("/paid"), { headers: { "PAYMENT-SIGNATURE": paymentHeader(2, v2) }, signal: AbortSignal.timeout(20000) });
  const body = await res.json();
  clearInterval(timer);
  sampler.peak = Math.max(sampler.peak, rss(gw.pid));
  assertBounded("held", base, { ...sampler, sent: STREAM_BYTES }, t);
  assert.equal(res.status, 502);
  assert.equal(body.error, "upstream_bad_response");
  assert.deepEqual(facilitator.calls.map((c) => c.endpoint), ["verify"], "nothing settled");
});

// Proves: a facilitator's answer is read with the same bounds (net/whole_exchange): an endless
// chunk extension on /verify fails the payment call, with memory flat, and nothing is forwarded.
test("facilitator answer with an endless chunk extension: refused, RSS bounded, nothing forwarded", async (t) => {
  const sockets = new Set();
  const endless = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    let seen = "";
    socket.on("data", (d) => {
      seen += d.toString("latin1");
      if (!seen.includes("\r\n\r\n")) return;
      seen = "";
      socket.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n1;");
      let sent = 0;
      const pump = () => {
        while (!socket.destroyed && sent < STREAM_BYTES) {
          sent += filler.length;
          if (!socket.write(filler)) return socket.once("drain", pump);
        }
      };
      pump();
    });
  });
  await new Promise((r) => endless.listen(0, "127.0.0.1", r));
  const upstreamHits = [];
  const plain = net.createServer((socket) => { upstreamHits.push(1); socket.destroy(); });
  await new Promise((r) => plain.listen(0, "127.0.0.1", r));
  const fgw = await startGateway(baseConfig({ upstream: `http://127.0.0.1:${plain.address().port}`,
    facilitator: `http://127.0.0.1:${endless.address().port}`, routes: `  - { match: "GET /paid", price: "$0.01" }` }));
  try {
    const { v2 } = await challenge(fgw.url("/paid"));
    const base = rss(fgw.pid);
    const sampler = { peak: base };
    const timer = setInterval(() => { sampler.peak = Math.max(sampler.peak, rss(fgw.pid)); }, 10);
    const res = await fetch(fgw.url("/paid"), { headers: { "PAYMENT-SIGNATURE": paymentHeader(2, v2) }, signal: AbortSignal.timeout(20000) });
    const body = await res.json();
    clearInterval(timer);
    sampler.peak = Math.max(sampler.peak, rss(fgw.pid));
    assertBounded("facilitator", base, { ...sampler, sent: STREAM_BYTES }, t);
    assert.ok(res.status >= 500, `${res.status} ${JSON.stringify(body)}`);
    assert.match(body.error, /^facilitator_/);
    assert.equal(upstreamHits.length, 0);
  } finally {
    await fgw.stop();
    for (const s of sockets) s.destroy();
    await new Promise((r) => endless.close(r));
    await new Promise((r) => plain.close(r));
  }
});
