// Connection limits enforced at accept, before any work: a connection over limits.max_connections
// or limits.max_connections_per_address, or beyond limits.max_tls_handshakes, is closed at once
// (plain listeners first get a 503 written without reading anything); it never holds a descriptor
// for a handshake deadline and never gets a TLS handshake.
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";
import { startGateway, startUpstream, PAY_TO } from "../support/gateway.mjs";
import { metric, sleep, waitFor } from "../support/raw.mjs";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "x402gw-limits-"));
let upstream;

before(async () => {
  execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
    "-subj", "/CN=a.test", "-addext", "subjectAltName=DNS:a.test", "-keyout", `${dir}/a.key`, "-out", `${dir}/a.crt`], { stdio: "ignore" });
  upstream = await startUpstream();
});
after(async () => {
  await upstream.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

// A gateway with one TLS listener (handshake deadline 10s: far longer than any test waits) and
// one plain listener.
function start(limits, extra = "") {
  return startGateway(`listen:
  - address: "127.0.0.1:0"
    tls:
      certificates: [{ cert_file: "${dir}/a.crt", key_file: "${dir}/a.key" }]
      handshake_timeout: 10s
  - "127.0.0.1:0"
admin_listen: "127.0.0.1:0"
threads: 2
limits: { challenges_per_second: 0, ${limits} }
${extra}
upstreams:
  api: { url: "${upstream.url}" }
payment:
  pay_to: "${PAY_TO}"
  network: base-sepolia
routes:
  - { match: "/*" }
`);
}

// A TCP connection that sends nothing; `closedAt` is set when the gateway closes it.
function silent(port, localAddress) {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: "127.0.0.1", localAddress });
    const out = { socket: s, closedAt: undefined, data: "", openedAt: Date.now() };
    s.on("data", (d) => (out.data += d));
    s.on("close", () => (out.closedAt = Date.now()));
    s.on("error", () => {});
    s.once("connect", () => resolve(out));
    s.once("error", reject);
  });
}

// One TLS client: resolves to { secure, error } once it is through its handshake or refused.
function tlsClient(port) {
  return new Promise((resolve) => {
    let secure = false;
    const s = tls.connect({ host: "127.0.0.1", port, servername: "a.test", rejectUnauthorized: false }, () => {
      secure = true;
      s.end("GET /x HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n");
    });
    s.on("data", () => {});
    s.on("error", (e) => resolve({ secure, error: e.code || e.message }));
    s.on("close", () => resolve({ secure }));
  });
}

const breaches = (gw, limit) => metric(gw, `x402gw_limit_breaches_total{limit="${limit}"}`);

describe("limits.max_connections", () => {
  let gw, held = [];
  before(async () => { gw = await start("max_connections: 5"); });
  after(async () => {
    for (const c of held) c.socket.destroy();
    await gw.stop();
  });

  test("40 silent connections to a TLS port: those over the limit are closed at once, the gauge stays at the limit", async () => {
    for (let i = 0; i < 40; i++) held.push(await silent(gw.ports.tls));
    const closed = await waitFor(() => { const n = held.filter((c) => c.closedAt).length; return n >= 35 ? n : 0; }, { ms: 3000 });
    assert.equal(closed, 35, "35 closed within 3s (the handshake deadline is 10s)");
    for (const c of held.filter((c) => c.closedAt)) {
      assert.ok(c.closedAt - c.openedAt < 2000, "closed at once");
      assert.equal(c.data, "", "a TLS port writes nothing (no 503 in clear text)");
    }
    await sleep(300);
    assert.equal(held.filter((c) => c.closedAt).length, 35, "the first five are still held");
    assert.equal(await metric(gw, "x402gw_open_connections"), 5);
    assert.equal(await breaches(gw, "connections"), 35);
  });

  test("a TLS client over the limit gets no handshake", async () => {
    const handshakes = await metric(gw, 'x402gw_tls_handshakes_total{resumed="false"}');
    const client = await tlsClient(gw.ports.tls);
    assert.equal(client.secure, false, "refused before the handshake");
    assert.equal(await metric(gw, 'x402gw_tls_handshakes_total{resumed="false"}'), handshakes);
  });

  test("a plain client over the limit gets a 503, and room comes back when connections close", async () => {
    const c = await silent(gw.port);
    await waitFor(() => c.closedAt, { ms: 3000 });
    assert.match(c.data, /^HTTP\/1\.1 503 [^]*too_many_connections/);
    for (const h of held) h.socket.destroy();
    held = [];
    await waitFor(async () => (await metric(gw, "x402gw_open_connections")) === 0, { ms: 3000 });
    const client = await tlsClient(gw.ports.tls);
    assert.equal(client.secure, true);
    assert.equal((await fetch(`http://127.0.0.1:${gw.port}/x`)).status, 200);
  });
});

describe("limits.max_tls_handshakes", () => {
  let gw;
  before(async () => { gw = await start("max_tls_handshakes: 3"); });
  after(async () => { await gw.stop(); });

  test("handshakes in progress are capped; a finished handshake frees its place", async () => {
    const pending = [];
    for (let i = 0; i < 3; i++) pending.push(await silent(gw.ports.tls));
    const fourth = await silent(gw.ports.tls);
    assert.ok(await waitFor(() => fourth.closedAt, { ms: 2000 }), "the fourth is closed at once");
    assert.equal(await breaches(gw, "tls_handshakes"), 1);
    assert.equal((await tlsClient(gw.ports.tls)).secure, false, "no handshake while three are in progress");
    assert.ok(pending.every((c) => !c.closedAt), "the three in progress are not touched");
    // Plain connections are not handshakes.
    assert.equal((await fetch(`http://127.0.0.1:${gw.port}/x`)).status, 200);
    for (const c of pending) c.socket.destroy();
    await sleep(200);
    // Completed handshakes on open connections do not count: four in a row succeed.
    const open = [];
    for (let i = 0; i < 4; i++) {
      const s = await new Promise((resolve, reject) => {
        const t = tls.connect({ host: "127.0.0.1", port: gw.ports.tls, servername: "a.test", rejectUnauthorized: false }, () => resolve(t));
        t.on("error", reject);
      });
      open.push(s);
    }
    for (const s of open) s.destroy();
  });
});

describe("limits.max_connections_per_address", () => {
  let gw;
  before(async () => { gw = await start("max_connections_per_address: 2", `trusted_proxies: ["127.0.0.3"]`); });
  after(async () => { await gw.stop(); });

  test("a third connection from one address is refused at accept; other addresses and trusted proxies are not", async () => {
    const held = [await silent(gw.port, "127.0.0.1"), await silent(gw.ports.tls, "127.0.0.1")];
    try {
      const third = await silent(gw.port, "127.0.0.1");
      await waitFor(() => third.closedAt, { ms: 3000 });
      assert.match(third.data, /^HTTP\/1\.1 503 [^]*too_many_connections/);
      const thirdTls = await silent(gw.ports.tls, "127.0.0.1");
      assert.ok(await waitFor(() => thirdTls.closedAt, { ms: 3000 }));
      assert.equal(thirdTls.data, "");
      assert.equal(await breaches(gw, "connections_per_address"), 2);
      // Another address has its own allowance.
      const other = [await silent(gw.port, "127.0.0.2"), await silent(gw.port, "127.0.0.2")];
      // A trusted proxy carries many clients: it is not limited per address.
      const proxy = [];
      for (let i = 0; i < 4; i++) proxy.push(await silent(gw.port, "127.0.0.3"));
      await sleep(300);
      assert.ok([...other, ...proxy].every((c) => !c.closedAt));
      for (const c of [...other, ...proxy]) c.socket.destroy();
    } finally {
      for (const c of held) c.socket.destroy();
    }
    await sleep(200);
    assert.equal((await fetch(`http://127.0.0.1:${gw.port}/x`)).status, 200, "room again once they close");
  });
});

// The admin listener is outside limits.max_connections (a flood of clients must not fail the
// orchestrator's probes) but not unbounded: silent connections to it held a descriptor each for
// its 30 s read deadline, as many as a client opened.
describe("the admin listener", () => {
  let gw;
  before(async () => { gw = await start("max_connections: 5, max_connections_per_address: 2"); });
  after(async () => { await gw.stop(); });

  test("holds at most 64 connections; those over are refused at once; probes work again when they close", async () => {
    const held = [];
    try {
      for (let i = 0; i < 80; i++) held.push(await silent(gw.adminPort));
      const closed = await waitFor(() => { const n = held.filter((c) => c.closedAt).length; return n >= 16 ? n : 0; }, { ms: 3000 });
      assert.equal(closed, 16, "16 of 80 closed at once (the admin read deadline is 30 s)");
      for (const c of held.filter((c) => c.closedAt)) assert.match(c.data, /^HTTP\/1\.1 503 [^]*too_many_connections/);
      // The data listener's limits are apart: its connections are still admitted.
      assert.equal((await fetch(`http://127.0.0.1:${gw.port}/x`)).status, 200);
    } finally {
      for (const c of held) c.socket.destroy();
    }
    const healthy = await waitFor(async () => (await fetch(gw.admin("/healthz"))).status === 200, { ms: 3000 });
    assert.ok(healthy);
    assert.equal(await breaches(gw, "admin_connections"), 16);
  });
});

// limits.max_connections (10,000 by default) above what the process's descriptor limit allows
// bounded nothing: silent connections took every descriptor first, after which accept failed
// (EMFILE, logged every 100 ms), a fresh client got no answer at all and in-flight requests could
// not reach their upstream. The gateway caps client connections at what its descriptors allow.
describe("a descriptor limit below limits.max_connections", () => {
  let gw;
  before(async () => {
    const { GATEWAY_BIN } = await import("../support/gateway.mjs");
    fs.writeFileSync(`${dir}/low-nofile.sh`, `#!/bin/sh\nulimit -n 160\nexec "${GATEWAY_BIN}" "$@"\n`, { mode: 0o755 });
    gw = await startGateway(`listen: "127.0.0.1:0"
admin_listen: "127.0.0.1:0"
threads: 2
limits: { challenges_per_second: 0 }
upstreams:
  api: { url: "${upstream.url}" }
payment:
  pay_to: "${PAY_TO}"
  network: base-sepolia
routes:
  - { match: "/*" }
`, { bin: `${dir}/low-nofile.sh` });
  });
  after(async () => { await gw.stop(); });

  test("silent connections are refused with a 503 before descriptors run out; a fresh client is answered", async () => {
    const held = [];
    try {
      for (let i = 0; i < 200; i++) held.push(await silent(gw.port));
      await sleep(500);
      const refused = held.filter((c) => c.closedAt);
      assert.ok(refused.length > 0, "some were refused at accept");
      for (const c of refused) assert.match(c.data, /^HTTP\/1\.1 503 [^]*too_many_connections/);
      assert.doesNotMatch(gw.stderr(), /accept failed/, "accept never ran out of descriptors");
      const fresh = await silent(gw.port);
      await waitFor(() => fresh.closedAt, { ms: 3000 });
      assert.match(fresh.data, /^HTTP\/1\.1 503 /, "a fresh client over the cap is told so");
    } finally {
      for (const c of held) c.socket.destroy();
    }
    await sleep(300);
    assert.equal((await fetch(`http://127.0.0.1:${gw.port}/x`)).status, 200, "served again once they close");
  });
});
