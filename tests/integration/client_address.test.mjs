// The real client address (trusted_proxies, X-Forwarded-For, the PROXY protocol v1/v2): who the
// access log names, whose bucket the challenge rate limit takes from, and what X-Forwarded-For the
// upstream receives. Two gateway runs: one that trusts 127.0.0.1 (the test's own address) and one
// that does not, so the same client is a trusted proxy in one and an ordinary client in the other.
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { startGateway, startUpstream, baseConfig } from "../support/gateway.mjs";
import net from "node:net";
import { connect, metric, waitFor, RawClient } from "../support/raw.mjs";

let upstream;
before(async () => { upstream = await startUpstream(); });
after(async () => { await upstream.close(); });

const routes = `  - { match: "GET /paid", price: "$0.01" }
  - { match: "/*" }`;

// A gateway with a plain listener and a PROXY protocol listener; returns it with both ports.
async function start(trusted) {
  const yaml = baseConfig({
    upstream: upstream.url, facilitator: "http://127.0.0.1:9", routes,
    limits: "challenges_per_second: 1, challenge_burst: 2",
    extra: `trusted_proxies: ${JSON.stringify(trusted)}\ntimeouts: { request_header: 1s }`,
  }).replace(`listen: "127.0.0.1:0"`, `listen:\n  - "127.0.0.1:0"\n  - { address: "127.0.0.1:0", proxy_protocol: true }`);
  const gw = await startGateway(yaml);
  const ports = [...gw.stderr().matchAll(/"listener":"main","msg":"listening","port":(\d+)/g)].map((m) => Number(m[1]));
  assert.equal(ports.length, 2, gw.stderr());
  return { gw, plain: ports[0], proxied: ports[1] };
}

// Sends raw bytes on a fresh connection; returns the first response (or undefined) and whether it closed.
async function exchange(port, bytes, ms = 3000) {
  const c = await connect(port);
  try {
    c.write(bytes);
    const res = await c.readResponse({ ms });
    const closed = res ? c.closed : await c.waitClosed(ms);
    return { res, closed };
  } finally {
    c.close();
  }
}

const get = (path, headers = "") => `GET ${path} HTTP/1.1\r\nHost: gw.test\r\nConnection: close\r\n${headers}\r\n`;

// The access log line and the upstream request for a unique path.
async function seen(gw, path) {
  const line = await waitFor(() => gw.access.find((l) => l.path === path));
  const forwarded = upstream.requests.find((r) => r.url === path);
  return { client: line?.client, xff: forwarded?.headers["x-forwarded-for"] };
}

function v2(command, family, payload) {
  const head = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x20 | command, family, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([head, payload]);
}

function v2Inet6(source, sourcePort) {
  const groups = (a) => a.split(":").map((g) => parseInt(g || "0", 16));
  // Only the full form is built here; the test writes its addresses out.
  const bytes = (a) => Buffer.from(groups(a).flatMap((g) => [g >> 8, g & 0xff]));
  return v2(1, 0x21, Buffer.concat([bytes(source), bytes("0:0:0:0:0:0:0:1"), Buffer.from([sourcePort >> 8, sourcePort & 0xff, 0x01, 0xbb])]));
}

describe("a gateway that trusts 127.0.0.1 and 10.0.0.0/8", () => {
  let run;
  before(async () => { run = await start(["127.0.0.1", "10.0.0.0/8"]); });
  after(async () => { await run.gw.stop(); });

  test("X-Forwarded-For from a trusted peer: the right-most untrusted hop is the client", async () => {
    const { res } = await exchange(run.plain, get("/xff-trusted", "X-Forwarded-For: 6.6.6.6, 198.51.100.7\r\nX-Forwarded-For: 10.0.0.9\r\n"));
    assert.equal(res.status, 200);
    const { client, xff } = await seen(run.gw, "/xff-trusted");
    assert.equal(client, "198.51.100.7");
    // Forwarded on from the client the gateway believes, with the hop it received it from appended
    // (6.6.6.6, left of the client, may be forged: dropped).
    assert.equal(xff, "198.51.100.7, 10.0.0.9, 127.0.0.1");
  });

  test("a trusted peer without X-Forwarded-For is the client itself", async () => {
    await exchange(run.plain, get("/no-xff"));
    assert.deepEqual(await seen(run.gw, "/no-xff"), { client: "127.0.0.1", xff: "127.0.0.1" });
  });

  test("the challenge rate limit is keyed by the real address", async () => {
    const paid = (ip) => exchange(run.plain, get("/paid", `X-Forwarded-For: ${ip}\r\n`)).then(({ res }) => res.status);
    // Burst 2 for 198.51.100.50; the third is refused; another client behind the same proxy is not.
    const first = [await paid("198.51.100.50"), await paid("198.51.100.50"), await paid("198.51.100.50")];
    assert.deepEqual(first, [402, 402, 429]);
    assert.equal(await paid("198.51.100.51"), 402);
    const logged = () => run.gw.access.filter((l) => l.path === "/paid").map((l) => `${l.client} ${l.status}`);
    await waitFor(() => logged().includes("198.51.100.51 402"));
    // Sorted: each worker thread writes its own batch of lines, so lines of requests served by
    // different workers may appear in either order (README, "Access log").
    assert.deepEqual(logged().sort(), ["198.51.100.50 402", "198.51.100.50 402", "198.51.100.50 429", "198.51.100.51 402"]);
  });

  test("PROXY v1: the header names the client; the request after it is served", async () => {
    const { res } = await exchange(run.proxied, "PROXY TCP4 203.0.113.9 127.0.0.1 5555 80\r\n" + get("/v1", "X-Forwarded-For: 6.6.6.6\r\n"));
    assert.equal(res?.status, 200);
    // 203.0.113.9 is not trusted: its own X-Forwarded-For is neither believed nor passed on.
    assert.deepEqual(await seen(run.gw, "/v1"), { client: "203.0.113.9", xff: "203.0.113.9" });
  });

  test("PROXY v1 from a trusted balancer in front of a trusted proxy: X-Forwarded-For is read", async () => {
    await exchange(run.proxied, "PROXY TCP4 10.1.2.3 127.0.0.1 5555 80\r\n" + get("/v1-chain", "X-Forwarded-For: 198.51.100.40\r\n"));
    assert.deepEqual(await seen(run.gw, "/v1-chain"), { client: "198.51.100.40", xff: "198.51.100.40, 10.1.2.3" });
  });

  test("PROXY v2 (IPv6 source, header and request in separate writes)", async () => {
    const c = await connect(run.proxied);
    try {
      const header = v2Inet6("2001:db8:0:0:0:0:0:5", 40000);
      c.write(header.subarray(0, 10));
      await new Promise((r) => setTimeout(r, 50));
      c.write(header.subarray(10));
      await new Promise((r) => setTimeout(r, 50));
      c.write(get("/v2").replace("Connection: close\r\n", ""));
      const res = await c.readResponse();
      assert.equal(res.status, 200);
      // Keep-alive: the second request on the connection has the same client.
      c.write(get("/v2-again"));
      assert.equal((await c.readResponse()).status, 200);
    } finally {
      c.close();
    }
    assert.deepEqual(await seen(run.gw, "/v2"), { client: "2001:db8::5", xff: "2001:db8::5" });
    assert.equal((await seen(run.gw, "/v2-again")).client, "2001:db8::5");
  });

  test("PROXY v2 LOCAL (a balancer's health check): the connection's own peer", async () => {
    const { res } = await exchange(run.proxied, Buffer.concat([v2(0, 0x00, Buffer.alloc(0)), Buffer.from(get("/v2-local"))]));
    assert.equal(res.status, 200);
    assert.equal((await seen(run.gw, "/v2-local")).client, "127.0.0.1");
  });

  // A header that relays a connection without naming its source: the client is unknown, not the
  // trusted balancer, so its own X-Forwarded-For is not believed.
  const unknownSources = [
    ["v1 UNKNOWN", () => "PROXY UNKNOWN\r\n"],
    ["v1 UNKNOWN with addresses", () => "PROXY UNKNOWN 10.9.9.9 127.0.0.1 1 2\r\n"],
    ["v2 AF_UNSPEC", () => v2(1, 0x00, Buffer.alloc(0))],
    ["v2 AF_UNIX", () => v2(1, 0x31, Buffer.alloc(216, 0x61))],
    ["v2 UDP over IPv4", () => v2(1, 0x12, Buffer.from([198, 51, 100, 1, 127, 0, 0, 1, 0, 53, 0, 53]))],
  ];
  for (const [name, header] of unknownSources) {
    test(`PROXY ${name}: an unknown client, whose X-Forwarded-For is not believed`, async () => {
      const path = "/unknown-" + name.replace(/\W+/g, "-");
      const { res } = await exchange(run.proxied, Buffer.concat([Buffer.from(header()), Buffer.from(get(path, "X-Forwarded-For: 198.51.100.99\r\n"))]));
      assert.equal(res?.status, 200);
      const { client, xff } = await seen(run.gw, path);
      assert.equal(client, "unknown");
      assert.equal(xff, undefined, "no address to tell the upstream");
      assert.match(upstream.requests.find((r) => r.url === path).headers.forwarded, /^for=unknown;/);
    });
  }

  test("unknown clients share one challenge rate-limit bucket, whatever X-Forwarded-For they send", async () => {
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      const { res } = await exchange(run.proxied, "PROXY UNKNOWN\r\n" + get("/paid", `X-Forwarded-For: 198.51.100.${80 + i}\r\n`));
      statuses.push(res?.status);
    }
    assert.deepEqual(statuses, [402, 402, 429]);
  });

  test("malformed, oversized and late PROXY headers close the connection and are counted", async () => {
    const count = (reason) => metric(run.gw, `x402gw_proxy_protocol_errors_total{reason="${reason}"}`);
    const cases = [
      ["signature", get("/no-header")],
      ["v1_address", "PROXY TCP4 ::1 127.0.0.1 1 2\r\n" + get("/bad-v1")],
      ["v1_too_long", "PROXY TCP4 " + "1".repeat(200)],
      ["v2_too_long", v2(1, 0x11, Buffer.alloc(4000))],
      ["v2_family", v2(1, 0x51, Buffer.alloc(12))],
    ];
    for (const [reason, bytes] of cases) {
      const before = await count(reason);
      const { res, closed } = await exchange(run.proxied, bytes);
      assert.equal(res, undefined, `${reason}: no response`);
      assert.ok(closed, `${reason}: closed`);
      assert.equal(await count(reason), before + 1, reason);
    }
    // Half a header, then silence: closed at the deadline (timeouts.request_header, 1s here).
    const before = await count("timeout");
    const c = await connect(run.proxied);
    c.write("PROXY TCP4 1.2.3.4");
    assert.ok(await c.waitClosed(4000), "closed at the deadline");
    c.close();
    assert.equal(await count("timeout"), before + 1);
    assert.equal(upstream.requests.filter((r) => ["/no-header", "/bad-v1"].includes(r.url)).length, 0);
  });
});

describe("a gateway that trusts only 10.0.0.0/8 (not the test's 127.0.0.1)", () => {
  let run;
  before(async () => { run = await start(["10.0.0.0/8"]); });
  after(async () => { await run.gw.stop(); });

  test("X-Forwarded-For from an untrusted peer is neither believed nor passed on", async () => {
    await exchange(run.plain, get("/xff-untrusted", "X-Forwarded-For: 198.51.100.7\r\n"));
    assert.deepEqual(await seen(run.gw, "/xff-untrusted"), { client: "127.0.0.1", xff: "127.0.0.1" });
  });

  test("a forged X-Forwarded-For does not buy an untrusted client a fresh rate-limit bucket", async () => {
    const statuses = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await exchange(run.plain, get("/paid", `X-Forwarded-For: 198.51.100.${60 + i}\r\n`))).res.status);
    assert.deepEqual(statuses, [402, 402, 429]);
  });

  test("a PROXY listener refuses peers outside trusted_proxies, even with a valid header", async () => {
    const before = await metric(run.gw, 'x402gw_proxy_protocol_errors_total{reason="untrusted_peer"}');
    const { res, closed } = await exchange(run.proxied, "PROXY TCP4 10.1.1.1 127.0.0.1 5555 80\r\n" + get("/spoofed"));
    assert.equal(res, undefined);
    assert.ok(closed);
    assert.equal(await metric(run.gw, 'x402gw_proxy_protocol_errors_total{reason="untrusted_peer"}'), before + 1);
    assert.equal(upstream.requests.filter((r) => r.url === "/spoofed").length, 0);
  });
});

describe("a gateway on 127.0.0.1 and ::1 that trusts only ::1", () => {
  let gw, ports;
  before(async () => {
    const yaml = baseConfig({ upstream: upstream.url, facilitator: "http://127.0.0.1:9", routes, extra: `trusted_proxies: ["::1"]` })
      .replace(`listen: "127.0.0.1:0"`, `listen: ["127.0.0.1:0", "[::1]:0"]`);
    gw = await startGateway(yaml);
    ports = [...gw.stderr().matchAll(/"listener":"main","msg":"listening","port":(\d+)/g)].map((m) => Number(m[1]));
  });
  after(async () => { await gw.stop(); });

  // One request over IPv6 loopback, raw.
  async function overV6(path, headers) {
    const socket = net.connect(ports[1], "::1");
    await new Promise((resolve, reject) => { socket.once("connect", resolve); socket.once("error", reject); });
    const c = new RawClient(socket);
    try {
      c.write(get(path, headers));
      return await c.readResponse();
    } finally {
      c.close();
    }
  }

  test("the same header is believed from ::1 and not from 127.0.0.1", async () => {
    assert.equal((await overV6("/from-v6", "X-Forwarded-For: 198.51.100.70\r\n")).status, 200);
    await exchange(ports[0], get("/from-v4", "X-Forwarded-For: 198.51.100.71\r\n"));
    assert.deepEqual(await seen(gw, "/from-v6"), { client: "198.51.100.70", xff: "198.51.100.70, ::1" });
    assert.deepEqual(await seen(gw, "/from-v4"), { client: "127.0.0.1", xff: "127.0.0.1" });
  });
});
