// The free path: a keep-alive reverse proxy with streamed bodies and correct header handling.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import fs from "node:fs";
import { startGateway, startUpstream, baseConfig, rawExchange, deadPort } from "../support/gateway.mjs";

let upstream, gw, gwProxyAll;

const MiB = 1024 * 1024;

before(async () => {
  upstream = await startUpstream();
  // Replace the recording handler for streaming endpoints (the recorder buffers bodies).
  upstream.server.removeAllListeners("request");
  upstream.server.on("request", (req, res) => {
    const entry = { method: req.method, url: req.url, headers: req.headers, httpVersion: req.httpVersion, bodyLength: 0, socket: req.socket.remotePort };
    upstream.requests.push(entry);
    if (req.url.startsWith("/upload")) {
      req.on("data", (c) => (entry.bodyLength += c.length));
      req.on("end", () => res.end(JSON.stringify({ received: entry.bodyLength })));
      return;
    }
    req.resume();
    req.on("end", () => {
      if (req.url.startsWith("/download")) {
        const total = Number(new URL(req.url, "http://x").searchParams.get("mib")) * MiB;
        const chunk = Buffer.alloc(64 * 1024, 120);
        let sent = 0;
        res.writeHead(200, { "content-type": "application/octet-stream" });  // chunked: no length
        const pump = () => {
          while (sent < total) {
            sent += chunk.length;
            if (!res.write(chunk)) return res.once("drain", pump);
          }
          res.end();
        };
        return pump();
      }
      if (req.url.startsWith("/events")) {
        res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
        let n = 0;
        const timer = setInterval(() => {
          res.write(`data: tick ${n}\n\n`);
          if (++n === 3) { clearInterval(timer); setTimeout(() => res.end(), 300); }
        }, 200);
        return;
      }
      if (req.url.startsWith("/hop")) {
        res.setHeader("Connection", "X-Upstream-Private");
        res.setHeader("X-Upstream-Private", "secret");
        res.setHeader("Keep-Alive", "timeout=5");
      }
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ path: req.url }));
    });
  });
  const routes = `  - { match: "GET /api/paid", price: "$0.01" }
  - { match: "/*" }`;
  gw = await startGateway(baseConfig({ upstream: upstream.url, facilitator: "http://127.0.0.1:9", routes, limits: "max_request_body: 256MiB" }));
  gwProxyAll = await startGateway(baseConfig({ upstream: upstream.url, facilitator: "http://127.0.0.1:9", routes: `  - { match: "GET /api/paid", price: "$0.01" }`, extra: "unmatched: proxy" }));
});

after(async () => {
  await gw.stop();
  await gwProxyAll.stop();
  await upstream.close();
});

// Sanitizer builds keep freed memory in quarantine: resident size says nothing there.
const SANITIZED = process.env.X402GW_SANITIZED === "1";

function rssKiB(pid) {
  return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))[1]);
}

test("keep-alive on both sides: many requests share one upstream connection", async () => {
  upstream.requests.length = 0;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  for (let i = 0; i < 20; i++) {
    await new Promise((resolve, reject) => {
      http.get(gw.url(`/k/${i}`), { agent }, (res) => { res.resume(); res.on("end", resolve); }).on("error", reject);
    });
  }
  agent.destroy();
  const sockets = new Set(upstream.requests.map((r) => r.socket));
  assert.equal(upstream.requests.length, 20);
  assert.ok(sockets.size <= 2, `upstream saw ${sockets.size} connections for 20 requests`);
  assert.equal(upstream.requests[0].httpVersion, "1.1");
});

test("X-Forwarded-* are set and the Host is the upstream's", async () => {
  upstream.requests.length = 0;
  const res = await fetch(gw.url("/fwd"), { headers: { "X-Forwarded-For": "203.0.113.7" } });
  assert.equal(res.status, 200);
  const h = upstream.requests[0].headers;
  assert.equal(h["x-forwarded-for"], "127.0.0.1", "an untrusted client's own X-Forwarded-For is not passed on");
  assert.equal(h["x-forwarded-proto"], "http");
  assert.equal(h["x-forwarded-host"], `127.0.0.1:${gw.port}`);
  assert.equal(h.host, new URL(upstream.url).host);
});

test("hop-by-hop headers are dropped in both directions, with the fields Connection names", async () => {
  upstream.requests.length = 0;
  const { data } = await rawExchange(gw.port,
    "GET /hop HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, X-Client-Private\r\nX-Client-Private: 1\r\nKeep-Alive: timeout=9\r\nTE: trailers\r\nUpgrade: websocket\r\nProxy-Authorization: Basic eA==\r\n\r\n", { ms: 500 });
  const h = upstream.requests[0].headers;
  for (const name of ["x-client-private", "keep-alive", "te", "upgrade", "proxy-authorization"]) assert.equal(h[name], undefined, name);
  assert.match(data, /^HTTP\/1\.1 200/);
  assert.doesNotMatch(data, /X-Upstream-Private/i);
  assert.doesNotMatch(data, /Keep-Alive: timeout=5/i);
});

test("a client cannot forge the payer header on any route", async () => {
  upstream.requests.length = 0;
  await fetch(gw.url("/free"), { headers: { "X-Payment-Payer": "0xdeadbeef" } });
  assert.equal(upstream.requests[0].headers["x-payment-payer"], undefined);
});

test("the upstream receives exactly the canonical path the gateway matched", async () => {
  upstream.requests.length = 0;
  const { data } = await rawExchange(gw.port, "GET /a/./b/../c//d%7e?q=1%202 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  assert.match(data, /^HTTP\/1\.1 200/);
  assert.equal(upstream.requests[0].url, "/a/c/d~?q=1%202");
});

test("a priced path spelled differently still meets the challenge, never the upstream", async () => {
  upstream.requests.length = 0;
  for (const path of ["/API/PAID", "/api//paid", "/public/../api/paid", "/api/paid/", "/%61pi/paid", "/api/paid;x=1", "/api/./paid"]) {
    const res = await fetch(gw.url("/") .replace(/\/$/, "") + path);
    assert.equal(res.status, 402, path);
  }
  const { data } = await rawExchange(gw.port, `GET http://elsewhere.test/api/paid HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  assert.match(data, /^HTTP\/1\.1 402/);
  const refused = await rawExchange(gw.port, "GET /api%2Fpaid HTTP/1.1\r\nHost: x\r\n\r\n");
  assert.match(refused.data, /^HTTP\/1\.1 400/);
  assert.match(refused.data, /encoded_separator|invalid_target/);
  assert.equal(upstream.requests.length, 0);
});

test("unmatched requests: 404 by default, forwarded with unmatched: proxy", async () => {
  const own = await startGateway(baseConfig({ upstream: upstream.url, facilitator: "http://127.0.0.1:9", routes: `  - { match: "GET /api/paid", price: "$0.01" }` }));
  try {
    const res = await fetch(own.url("/nothing/here"));
    assert.equal(res.status, 404);
    assert.equal((await res.json()).error, "route_not_found");
  } finally {
    await own.stop();
  }
  const res = await fetch(gwProxyAll.url("/nothing/here"));
  assert.equal(res.status, 200);
  assert.equal((await res.json()).path, "/nothing/here");
  assert.equal((await fetch(gwProxyAll.url("/api/paid"))).status, 402);
});

test("a 64 MiB chunked download streams through in constant memory", async () => {
  const before = rssKiB(gw.pid);
  const res = await fetch(gw.url("/download?mib=64"));
  assert.equal(res.status, 200);
  let total = 0;
  for await (const chunk of res.body) total += chunk.length;
  assert.equal(total, 64 * MiB);
  const grown = rssKiB(gw.pid) - before;
  if (!SANITIZED) assert.ok(grown < 16 * 1024, `gateway RSS grew by ${grown} KiB for a 64 MiB body`);
});

test("a 64 MiB upload (chunked and with Content-Length) streams through in constant memory", async () => {
  const before = rssKiB(gw.pid);
  for (const chunked of [true, false]) {
    const size = 64 * MiB;
    const result = await new Promise((resolve, reject) => {
      const headers = chunked ? { "transfer-encoding": "chunked" } : { "content-length": String(size) };
      const req = http.request(gw.url("/upload"), { method: "POST", headers }, (res) => {
        let text = "";
        res.on("data", (d) => (text += d));
        res.on("end", () => resolve({ status: res.statusCode, body: JSON.parse(text) }));
      });
      req.on("error", reject);
      const chunk = Buffer.alloc(256 * 1024, 121);
      let sent = 0;
      const pump = () => {
        while (sent < size) {
          sent += chunk.length;
          if (!req.write(chunk)) return req.once("drain", pump);
        }
        req.end();
      };
      pump();
    });
    assert.equal(result.status, 200);
    assert.equal(result.body.received, size);
  }
  const grown = rssKiB(gw.pid) - before;
  if (!SANITIZED) assert.ok(grown < 16 * 1024, `gateway RSS grew by ${grown} KiB for 128 MiB of uploads`);
});

test("server-sent events arrive as the upstream sends them", async () => {
  const res = await fetch(gw.url("/events"));
  assert.equal(res.headers.get("content-type"), "text/event-stream");
  const reader = res.body.getReader();
  const started = Date.now();
  const first = await reader.read();
  assert.match(Buffer.from(first.value).toString(), /data: tick 0/);
  assert.ok(Date.now() - started < 600, "the first event is not held back until the stream ends");
  while (!(await reader.read()).done);
});

test("HTTP/1.0 clients get a close-delimited body instead of chunks", async () => {
  const { data, closed } = await rawExchange(gw.port, "GET /download?mib=1 HTTP/1.0\r\nHost: x\r\n\r\n", { ms: 5000 });
  assert.ok(closed);
  assert.match(data, /^HTTP\/1\.0 200/);
  assert.doesNotMatch(data.slice(0, data.indexOf("\r\n\r\n")), /chunked/i);
  assert.equal(data.length - data.indexOf("\r\n\r\n") - 4, MiB);
});

test("Expect: 100-continue is answered by the gateway, then the body flows", async () => {
  const result = await new Promise((resolve, reject) => {
    const req = http.request(gw.url("/upload"), { method: "POST", headers: { expect: "100-continue", "content-length": "5" } });
    let continued = false;
    req.on("continue", () => { continued = true; req.end("hello"); });
    req.on("response", (res) => { let t = ""; res.on("data", (d) => (t += d)); res.on("end", () => resolve({ continued, body: JSON.parse(t) })); });
    req.on("error", reject);
  });
  assert.ok(result.continued);
  assert.equal(result.body.received, 5);
});

test("a body over the limit is refused with 413 and never forwarded", async () => {
  upstream.requests.length = 0;
  const { data } = await rawExchange(gwProxyAll.port, `POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: ${11 * MiB}\r\n\r\n`);
  assert.match(data, /^HTTP\/1\.1 413/);
  assert.match(data, /body_too_large/);
  assert.equal(upstream.requests.length, 0);
});

test("HEAD is forwarded without a body", async () => {
  const res = await fetch(gw.url("/head-me"), { method: "HEAD" });
  assert.equal(res.status, 200);
  assert.equal(await res.text(), "");
});

test("a pooled upstream connection closed by the upstream is replaced transparently", async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const get = () => new Promise((resolve, reject) => http.get(gw.url("/again"), { agent }, (res) => { res.resume(); res.on("end", () => resolve(res.statusCode)); }).on("error", reject));
  assert.equal(await get(), 200);
  upstream.server.closeIdleConnections();
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(await get(), 200);
  agent.destroy();
});

test("a host-restricted priced route: another Host never reaches the upstream; absolute-form authority wins over Host", async () => {
  const own = await startGateway(baseConfig({ upstream: upstream.url, facilitator: "http://127.0.0.1:9", routes: `  - { match: "GET /paid", host: api.example.com, price: "$0.01" }` }));
  try {
    upstream.requests.length = 0;
    const priced = await rawExchange(own.port, "GET /paid HTTP/1.1\r\nHost: API.example.com:8402\r\nConnection: close\r\n\r\n");
    assert.match(priced.data, /^HTTP\/1\.1 402/);
    const other = await rawExchange(own.port, "GET /paid HTTP/1.1\r\nHost: other.example.com\r\nConnection: close\r\n\r\n");
    assert.match(other.data, /^HTTP\/1\.1 404/);
    const absolute = await rawExchange(own.port, "GET http://api.example.com/paid HTTP/1.1\r\nHost: other.example.com\r\nConnection: close\r\n\r\n");
    assert.match(absolute.data, /^HTTP\/1\.1 402/);
    const sneaky = await rawExchange(own.port, "GET http://other.example.com/paid HTTP/1.1\r\nHost: api.example.com\r\nConnection: close\r\n\r\n");
    assert.match(sneaky.data, /^HTTP\/1\.1 404/);
    assert.equal(upstream.requests.length, 0);
  } finally {
    await own.stop();
  }
});

test("overlong and NUL-carrying targets are refused before routing", async () => {
  upstream.requests.length = 0;
  const long = await rawExchange(gw.port, `GET /${"a".repeat(9000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
  assert.match(long.data, /^HTTP\/1\.1 (414|431)/);
  const nul = await rawExchange(gw.port, "GET /api/paid%00.json HTTP/1.1\r\nHost: x\r\n\r\n");
  assert.match(nul.data, /^HTTP\/1\.1 400/);
  assert.match(nul.data, /invalid_target/);
  assert.equal(upstream.requests.length, 0);
});
