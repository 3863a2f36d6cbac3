// Hosts and spellings: an invalid Host is refused with 400, a host-restricted price cannot be
// dodged through the Host/authority pair or a trailing dot, and no spelling of a method, target or
// header reaches the upstream of a priced path unpaid.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startGateway, baseConfig, decodeHeader } from "../support/gateway.mjs";
import { request, startRawUpstream } from "../support/raw.mjs";

let upstream, gw, hostUpstream, hostGw;

const ok = (req, socket) => socket.write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok");

before(async () => {
  upstream = await startRawUpstream(ok);
  gw = await startGateway(baseConfig({
    upstream: upstream.url, facilitator: "http://127.0.0.1:9",
    // Before the fix, requests that died unanswered stay "in flight": do not wait 30 s for them on stop.
    extra: "timeouts: { drain: 2s }",
    routes: `  - { match: "GET /priced", price: "$0.01" }
  - { match: "POST /buyer", price: "$0.01", payer_header: X-Buyer }
  - { match: "/*" }`,
  }));
  hostUpstream = await startRawUpstream(ok);
  hostGw = await startGateway(baseConfig({
    upstream: hostUpstream.url, facilitator: "http://127.0.0.1:9", upstreamExtra: ", preserve_host: true",
    routes: `  - { match: "GET /report", host: paid.example, price: "$0.01" }
  - { match: "/*" }`,
  }));
});

after(async () => {
  await gw.stop();
  await hostGw.stop();
  await upstream.close();
  await hostUpstream.close();
});

const latin1 = (text) => Buffer.from(text, "latin1");

function assertJsonError(res, status, what) {
  assert.equal(res.status, status, `${what}: ${res.status === undefined ? "no answer at all" : res.head.split("\r\n")[0]}`);
  const body = JSON.parse(res.text);
  assert.equal(typeof body.error, "string", what);
  return body;
}

// ---- 1. Invalid Host values ---------------------------------------------------------------

const invalidHosts = {
  "a non-UTF-8 Host (\\xff)": (path) => latin1(`GET ${path} HTTP/1.1\r\nHost: \xff\r\n\r\n`),
  "a non-UTF-8 Host (\\xc3\\x28)": (path) => latin1(`GET ${path} HTTP/1.1\r\nHost: a\xc3\x28b\r\n\r\n`),
  "a non-UTF-8 absolute-form authority": (path) => latin1(`GET http://\xff${path} HTTP/1.1\r\nHost: x\r\n\r\n`),
  "a Host with a space": (path) => `GET ${path} HTTP/1.1\r\nHost: a b\r\n\r\n`,
  "a Host with a quote": (path) => `GET ${path} HTTP/1.1\r\nHost: a"b\r\n\r\n`,
  "a Host with a path": (path) => `GET ${path} HTTP/1.1\r\nHost: evil.com/x\r\n\r\n`,
  "a Host with user information": (path) => `GET ${path} HTTP/1.1\r\nHost: a@b\r\n\r\n`,
};

for (const [name, bytes] of Object.entries(invalidHosts)) {
  // Proves: an invalid Host gets a 400 JSON answer on priced, free and discovery paths alike, and
  // reaches no upstream (today the non-UTF-8 ones kill the session on a priced path, unanswered).
  test(`invalid Host is refused with 400: ${name}`, async () => {
    upstream.requests.length = 0;
    for (const path of ["/priced", "/free", "/.well-known/x402"]) {
      const res = await request(gw.port, bytes(path), { ms: 3000 });
      assertJsonError(res, 400, `${name} on ${path}`);
    }
    assert.deepEqual(upstream.requests.map((r) => r.target), [], "nothing reached the upstream");
  });
}

// Proves: a weird but valid Host still yields a 402 whose body and PAYMENT-REQUIRED header are
// valid JSON naming that host.
test("a weird but valid Host yields a well-formed 402 challenge", async () => {
  for (const host of ["[::1]:8402", "a-b_c~1.example:8080", "xn--caf-dma.example", "127.0.0.1"]) {
    const res = await request(gw.port, `GET /priced HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    assert.equal(res.status, 402, `${host}: ${res.head?.split("\r\n")[0]}`);
    const body = JSON.parse(res.text);
    assert.equal(body.error, "payment_required");
    assert.ok(body.accepts[0].resource.endsWith("/priced"), host);
    const v2 = decodeHeader(res.headers["payment-required"]);
    assert.equal(v2.x402Version, 2);
    assert.equal(v2.resource.url, body.accepts[0].resource);
  }
});

// ---- 3. Host confusion with preserve_host --------------------------------------------------

// Proves: with preserve_host, a request routed on its absolute-form authority (free.example) is
// not forwarded with the client's Host (paid.example): refused with 400, or forwarded as free.example.
test("preserve_host: the upstream never sees the priced Host on a request routed as free", async () => {
  hostUpstream.requests.length = 0;
  const res = await request(hostGw.port, "GET http://free.example/report HTTP/1.1\r\nHost: paid.example\r\n\r\n");
  assert.ok(res.status !== undefined, "an answer");
  if (res.status === 400) {
    assert.deepEqual(hostUpstream.requests, [], "a refused request reaches nothing");
    return;
  }
  assert.equal(res.status, 200, res.head);
  assert.equal(hostUpstream.requests.length, 1);
  const seen = hostUpstream.requests[0].headers.host;
  assert.notEqual(seen.toLowerCase().replace(/\.$/, "").replace(/:\d+$/, ""), "paid.example", `upstream saw Host: ${seen}`);
  assert.equal(seen.toLowerCase(), "free.example");
});

// Proves: a trailing dot or upper case in the Host does not dodge a host-restricted price.
test("a host-restricted price applies to 'paid.example.' and 'PAID.EXAMPLE.' too", async () => {
  hostUpstream.requests.length = 0;
  for (const host of ["paid.example", "PAID.EXAMPLE", "paid.example.", "PAID.EXAMPLE.", "paid.example.:8080"]) {
    const res = await request(hostGw.port, `GET /report HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    assert.equal(res.status, 402, `Host: ${host} -> ${res.head?.split("\r\n")[0]}`);
  }
  assert.deepEqual(hostUpstream.requests.map((r) => `${r.target} ${r.headers.host}`), [], "the priced path never reached the upstream unpaid");
});

// ---- 8. Free rides by spelling -------------------------------------------------------------

for (const method of ["get", "Get", "gET"]) {
  // Proves: a priced GET route spelled with another method case is not served for free.
  test(`method spelling '${method} /priced' never reaches the upstream unpaid`, async () => {
    upstream.requests.length = 0;
    const res = await request(gw.port, `${method} /priced HTTP/1.1\r\nHost: x\r\n\r\n`);
    assert.ok(res.status === 402 || res.status === 400, `${method}: ${res.head?.split("\r\n")[0]}`);
    assert.deepEqual(upstream.requests.map((r) => `${r.method} ${r.target}`), []);
  });
}

// Proves: a route's custom payer_header (X-Buyer) sent by a client to a FREE route is removed too.
test("a custom payer_header sent to a free route is stripped", async () => {
  upstream.requests.length = 0;
  const res = await request(gw.port, "GET /free HTTP/1.1\r\nHost: x\r\nX-Buyer: 0xforged\r\nX-Payment-Payer: 0xforged\r\n\r\n");
  assert.equal(res.status, 200, res.head);
  assert.equal(upstream.requests.length, 1);
  assert.equal(upstream.requests[0].headers["x-buyer"], undefined, "X-Buyer reached the upstream");
  assert.equal(upstream.requests[0].headers["x-payment-payer"], undefined);
});

for (const [name, value] of [["X-Original-URL", "/priced"], ["X-Rewrite-URL", "/priced"], ["X-HTTP-Method-Override", "GET"],
  ["X-HTTP-Method", "GET"], ["X-Method-Override", "GET"]]) {
  // Proves: a header some frameworks read as the path or method never reaches the upstream.
  test(`${name} never reaches the upstream`, async () => {
    upstream.requests.length = 0;
    const res = await request(gw.port, `POST /free HTTP/1.1\r\nHost: x\r\n${name}: ${value}\r\nContent-Length: 0\r\n\r\n`);
    assert.ok(res.status === 200 || res.status === 400, `${name}: ${res.head?.split("\r\n")[0]}`);
    for (const r of upstream.requests) assert.equal(r.headers[name.toLowerCase()], undefined, `${name} reached the upstream`);
  });
}

for (const target of ["/pr%2569ced", "/%2570riced", "/priced%20", "/priced%09", "/priced%20%20", "/x%EF%BC%8F..%EF%BC%8Fpriced",
  "/%EF%BC%8Fpriced", "/x%C0%AF..%C0%AFpriced", "/priced%C0%AE"]) {
  // Proves: a target spelling that another server could read as /priced is refused, not forwarded.
  test(`target spelling ${target} is refused with 400`, async () => {
    upstream.requests.length = 0;
    const res = await request(gw.port, `GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`);
    assertJsonError(res, 400, target);
    assert.deepEqual(upstream.requests.map((r) => r.target), [], "nothing reached the upstream");
  });
}
