// Limits: each configurable, each breach a clear status and a metric.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { startGateway, startUpstream, baseConfig, rawExchange } from "../support/gateway.mjs";

let upstream;

before(async () => {
  upstream = await startUpstream();
});

after(async () => {
  await upstream.close();
});

const routes = `  - { match: "GET /paid", price: "$0.01" }
  - { match: "POST /small", max_request_body: 1KiB }
  - { match: "/*" }`;

async function metric(gw, series) {
  const text = await (await fetch(gw.admin("/metrics"))).text();
  const line = text.split("\n").find((l) => l.startsWith(series + " "));
  return line ? Number(line.split(" ").pop()) : 0;
}

test("challenges per client address are rate limited with 429 and Retry-After", async () => {
  const gw = await startGateway(baseConfig({ upstream: upstream.url, facilitator: "http://127.0.0.1:9", routes, limits: "challenges_per_second: 1, challenge_burst: 10" }));
  try {
    const statuses = [];
    const started = Date.now();
    for (let i = 0; i < 15; i++) {
      const res = await fetch(gw.url("/paid"));
      statuses.push(res.status);
      if (res.status === 429) {
        assert.equal(res.headers.get("retry-after"), "1");
        assert.equal((await res.json()).error, "rate_limited");
      } else await res.arrayBuffer();
    }
    // The burst passes; beyond it only what the rate refilled meanwhile (1/s) may pass.
    const refilled = Math.ceil((Date.now() - started) / 1000);
    assert.ok(statuses.slice(0, 10).every((s) => s === 402), statuses.join(","));
    assert.ok(statuses.filter((s) => s === 402).length <= 10 + refilled, statuses.join(","));
    assert.ok(statuses.filter((s) => s === 429).length >= 5 - refilled, statuses.join(","));
    assert.equal((await fetch(gw.url("/free"))).status, 200, "free routes are not limited");
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal((await fetch(gw.url("/paid"))).status, 402, "tokens come back");
    assert.ok(await metric(gw, 'x402gw_limit_breaches_total{limit="challenges"}') >= 4);
  } finally {
    await gw.stop();
  }
});

test("too many header fields: 431", async () => {
  const gw = await startGateway(baseConfig({ upstream: upstream.url, facilitator: "http://127.0.0.1:9", routes, limits: "max_header_count: 10" }));
  try {
    const headers = Array.from({ length: 12 }, (_, i) => `X-H${i}: v\r\n`).join("");
    const { data, closed } = await rawExchange(gw.port, `GET /a HTTP/1.1\r\nHost: x\r\n${headers}\r\n`);
    assert.match(data, /^HTTP\/1\.1 431 /);
    assert.match(data, /header_too_large/);
    assert.ok(closed);
    const big = await rawExchange(gw.port, `GET /a HTTP/1.1\r\nHost: x\r\nX-Big: ${"x".repeat(20000)}\r\n\r\n`);
    assert.match(big.data, /^HTTP\/1\.1 431 /);
    assert.equal(await metric(gw, 'x402gw_limit_breaches_total{limit="header"}'), 2);
  } finally {
    await gw.stop();
  }
});

test("a body over the route's own limit: 413, and nothing forwarded", async () => {
  const gw = await startGateway(baseConfig({ upstream: upstream.url, facilitator: "http://127.0.0.1:9", routes }));
  try {
    upstream.requests.length = 0;
    const res = await fetch(gw.url("/small"), { method: "POST", body: "x".repeat(4096) });
    assert.equal(res.status, 413);
    assert.equal((await res.json()).error, "body_too_large");
    assert.equal(upstream.requests.length, 0);
    const chunked = await rawExchange(gw.port, `POST /small HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1000\r\n${"x".repeat(4096)}\r\n0\r\n\r\n`);
    assert.match(chunked.data, /^HTTP\/1\.1 413 /);
    assert.equal(upstream.requests.length, 0);
  } finally {
    await gw.stop();
  }
});

test("slowloris: a header that never completes gets 408 after timeouts.request_header", async () => {
  const gw = await startGateway(baseConfig({ upstream: upstream.url, facilitator: "http://127.0.0.1:9", routes, extra: "timeouts: { request_header: 1s, body_io: 1s }" }));
  try {
    const started = Date.now();
    const result = await new Promise((resolve) => {
      const socket = net.connect(gw.port, "127.0.0.1");
      let data = "";
      const drip = setInterval(() => socket.write("X"), 200);
      socket.write("GET /a HTTP/1.1\r\nHost: x\r\nX-Slow: ");
      socket.on("data", (d) => (data += d));
      socket.on("close", () => { clearInterval(drip); resolve(data); });
      socket.on("error", () => {});
    });
    assert.match(result, /^HTTP\/1\.1 408 /);
    assert.ok(Date.now() - started < 5000);

    // A body that stalls: 408 after timeouts.body_io, and the upstream never gets a complete request.
    upstream.requests.length = 0;
    const body = await rawExchange(gw.port, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly a little", { ms: 4000 });
    assert.match(body.data, /^HTTP\/1\.1 408 /);
    assert.equal(upstream.requests.length, 0);
  } finally {
    await gw.stop();
  }
});

test("connections over limits.max_connections are refused with 503", async () => {
  const gw = await startGateway(baseConfig({ upstream: upstream.url, facilitator: "http://127.0.0.1:9", routes, limits: "max_connections: 3" }));
  const held = [];
  try {
    for (let i = 0; i < 3; i++) {
      const s = net.connect(gw.port, "127.0.0.1");
      s.on("error", () => {});
      await new Promise((r) => s.on("connect", r));
      held.push(s);
    }
    await new Promise((r) => setTimeout(r, 200));
    const { data, closed } = await rawExchange(gw.port, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
    assert.match(data, /^HTTP\/1\.1 503 /);
    assert.match(data, /too_many_connections/);
    assert.ok(closed);
    for (const s of held) s.destroy();
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((await fetch(gw.url("/a"))).status, 200, "room again once they close");
    assert.equal(await metric(gw, 'x402gw_limit_breaches_total{limit="connections"}'), 1);
  } finally {
    for (const s of held) s.destroy();
    await gw.stop();
  }
});
