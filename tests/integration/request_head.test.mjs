// Issue 23, the request head parsed in place: the session reads every request's head as views
// (net/request_head), and the head the upstream gets is written from them after the body has been
// read and while the next pipelined request already sits in the connection's read buffer. The
// views must not point into that buffer: it is consumed, compacted and grown by the body reads.
// (A view left dangling there may still read intact freed memory in a plain build: the sanitizer
// build is where these catch it; tests/unit/net/request_head_test.cpp catches it in any build.)
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startGateway, startFacilitator, baseConfig } from "../support/gateway.mjs";
import { connect, startRawUpstream } from "../support/raw.mjs";

let upstream, facilitator, gw;

before(async () => {
  upstream = await startRawUpstream((req, socket) => {
    const body = JSON.stringify({ marker: req.headers["x-marker"] || "", length: req.body.length });
    socket.write(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  });
  facilitator = await startFacilitator();
  gw = await startGateway(baseConfig({ upstream: upstream.url, facilitator: facilitator.url,
    routes: `  - { match: "/*" }` }));
});

after(async () => {
  await gw.stop();
  await upstream.close();
  await facilitator.close();
});

// Proves: with a large streamed body (many reads through the buffer), a 100-continue, a head
// larger than the parser's inline storage, and the next request pipelined behind the body in the
// same write, each request reaches the upstream with its own header fields and its whole body.
test("pipelined requests with bodies keep their own header fields upstream", async () => {
  upstream.requests.length = 0;
  const big = "b".repeat(3000);  // the head is past the 1 KiB kept inline
  const body = Buffer.alloc(300 * 1024, "x");  // past request_buffering: relayed as it comes
  const small = "0123456789";
  const c = await connect(gw.port);
  try {
    c.write(Buffer.concat([
      Buffer.from(`POST /first HTTP/1.1\r\nHost: api.example.com\r\nX-Marker: first\r\nX-Big: ${big}\r\nExpect: 100-continue\r\n` +
                  `Content-Length: ${body.length}\r\n\r\n`),
      body,
      Buffer.from(`POST /second HTTP/1.1\r\nHost: api.example.com\r\nX-Marker: second\r\nContent-Length: ${small.length}\r\n\r\n${small}`),
      Buffer.from(`GET /third HTTP/1.1\r\nHost: api.example.com\r\nX-Marker: third\r\nConnection: close\r\n\r\n`),
    ]));
    const answers = [];
    for (let i = 0; i < 4 && answers.length < 3; i++) {
      const res = await c.readResponse({ ms: 10000 });
      assert.ok(res, "an answer arrives");
      if (res.status === 100) continue;
      answers.push(res);
    }
    assert.deepEqual(answers.map((r) => r.status), [200, 200, 200]);
    assert.deepEqual(answers.map((r) => JSON.parse(r.body.toString())),
      [{ marker: "first", length: body.length }, { marker: "second", length: small.length }, { marker: "third", length: 0 }]);
  } finally {
    c.close();
  }
  const got = upstream.requests;
  assert.deepEqual(got.map((r) => [r.method, r.target, r.headers["x-marker"]]),
    [["POST", "/first", "first"], ["POST", "/second", "second"], ["GET", "/third", "third"]]);
  assert.equal(got[0].headers["x-big"], big);
  assert.equal(got[0].headers.expect, undefined, "the gateway answers 100-continue itself");
  for (const r of got) {
    assert.equal(r.headers["x-forwarded-host"], "api.example.com");
    assert.equal(r.headers["x-forwarded-for"], "127.0.0.1");
    assert.match(r.headers.forwarded, /^for=127\.0\.0\.1;host="api\.example\.com";proto=http$/);
  }
});

// Proves: a body read whole before the upstream is contacted (up to limits.request_buffering)
// takes many reads through the connection's buffer (compacted, grown) before the head is written
// from the views; the head still carries the client's fields, sent in pieces with pauses.
test("a body read whole before forwarding leaves the head's fields intact", async () => {
  upstream.requests.length = 0;
  const body = Buffer.alloc(60 * 1024, "y");
  const c = await connect(gw.port);
  try {
    const head = `PUT /whole/target?q=1 HTTP/1.1\r\nHost: api.example.com\r\nX-Marker: whole\r\nX-Api-Key: key-123\r\n` +
                 `Content-Length: ${body.length}\r\n\r\n`;
    c.write(head);
    for (let at = 0; at < body.length; at += 8192) {
      await new Promise((r) => setTimeout(r, 5));
      c.write(body.subarray(at, at + 8192));
    }
    const res = await c.readResponse({ ms: 10000 });
    assert.equal(res?.status, 200);
    assert.deepEqual(JSON.parse(res.body.toString()), { marker: "whole", length: body.length });
  } finally {
    c.close();
  }
  const [r] = upstream.requests;
  assert.deepEqual([r.method, r.target, r.headers["x-marker"], r.headers["x-api-key"], r.headers["content-length"]],
    ["PUT", "/whole/target?q=1", "whole", "key-123", String(body.length)]);
});
