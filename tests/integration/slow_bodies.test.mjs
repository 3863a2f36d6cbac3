// Issue 20, defect 4: a slow body cannot hold the gateway or the upstream. timeouts.request_body
// bounds the whole body (timeouts.body_io only each read), and bodies up to
// limits.request_buffering reach the upstream only once they have arrived whole.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { startGateway, baseConfig } from "../support/gateway.mjs";
import { parseResponse } from "../support/raw.mjs";

/** An upstream that records, per connection, when its first byte arrived and what it got; it
 *  answers 200 once a request's head and its Content-Length body are in. */
function startRecordingUpstream() {
  const connections = [];
  const sockets = new Set();
  const server = net.createServer((socket) => {
    const c = { firstByteAt: 0, data: Buffer.alloc(0) };
    connections.push(c);
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    socket.on("data", (d) => {
      if (!c.firstByteAt) c.firstByteAt = Date.now();
      c.data = Buffer.concat([c.data, d]);
      const end = c.data.indexOf("\r\n\r\n");
      if (end < 0) return;
      const length = Number(/content-length: (\d+)/i.exec(c.data.subarray(0, end).toString())?.[1] ?? 0);
      if (c.data.length >= end + 4 + length && !c.answered) {
        c.answered = true;
        socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
      }
    });
  });
  return new Promise((r) => server.listen(0, "127.0.0.1", () => r({
    url: `http://127.0.0.1:${server.address().port}`, connections,
    close: () => new Promise((c) => { for (const s of sockets) s.destroy(); server.close(() => c()); }),
  })));
}

/** Sends `head`, then `body` one byte every `every` ms; resolves to { res, elapsed, lastSentAt, closed }. */
function drip(port, head, body, every, ms = 15000) {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    const started = Date.now();
    let data = Buffer.alloc(0), at = 0, lastSentAt = 0, timer, done = false;
    const finish = (closed) => {
      if (done) return;
      done = true;
      clearInterval(timer);
      socket.destroy();
      resolve({ res: parseResponse(data, { closed: true }), elapsed: Date.now() - started, lastSentAt, closed });
    };
    socket.on("data", (d) => {
      data = Buffer.concat([data, d]);
      if (parseResponse(data)) finish(false);
    });
    socket.on("close", () => finish(true));
    socket.on("error", () => {});
    socket.once("connect", () => {
      socket.write(head);
      timer = setInterval(() => {
        if (at < body.length) { socket.write(body.subarray(at, at + 1)); at++; lastSentAt = Date.now(); }
      }, every);
    });
    setTimeout(() => finish(false), ms);
  });
}

let upstream, gw, unbuffered, exact;

before(async () => {
  upstream = await startRecordingUpstream();
  const routes = `  - { match: "/*" }`;
  gw = await startGateway(baseConfig({ upstream: upstream.url, facilitator: "http://127.0.0.1:9", routes,
    extra: "timeouts: { body_io: 5s, request_body: 2s }" }));
  unbuffered = await startGateway(baseConfig({ upstream: upstream.url, facilitator: "http://127.0.0.1:9", routes,
    limits: "request_buffering: 0", extra: "timeouts: { body_io: 5s, request_body: 10s }" }));
  exact = await startGateway(baseConfig({ upstream: upstream.url, facilitator: "http://127.0.0.1:9", routes,
    limits: "request_buffering: 12", extra: "timeouts: { body_io: 5s, request_body: 10s }" }));
});

after(async () => {
  await gw.stop();
  await unbuffered.stop();
  await exact.stop();
  await upstream.close();
});

const body12 = Buffer.from("hello world!");

// Proves: timeouts.request_body bounds the whole body although every read comes well within
// timeouts.body_io; the refusal is a 408 and the upstream never sees the request.
test("a 12-byte body dripped one byte per 400 ms gets 408 at timeouts.request_body (2 s)", async () => {
  upstream.connections.length = 0;
  const { res, elapsed } = await drip(gw.port, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n\r\n", body12, 400);
  assert.ok(res, "no answer");
  assert.equal(res.status, 408);
  assert.equal(JSON.parse(res.body.toString()).error, "request_timeout");
  assert.equal(res.headers.connection, "close");
  assert.ok(elapsed >= 1800 && elapsed < 3500, `answered after ${elapsed} ms`);
  assert.equal(upstream.connections.length, 0, "the upstream was connected to for a body that never arrived");
});

for (const [name, head, body] of [
  ["Content-Length", "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n\r\n", body12],
  ["chunked", "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", Buffer.from("c\r\nhello world!\r\n0\r\n\r\n")],
]) {
  // Proves: with request buffering (on by default) the upstream's first byte comes after the
  // client's last, and the body goes with a Content-Length.
  test(`request buffering (${name}): the upstream sees the request only once the body arrived whole`, async () => {
    upstream.connections.length = 0;
    const { res, lastSentAt } = await drip(gw.port, head, body, 60);
    assert.equal(res?.status, 200);
    assert.equal(upstream.connections.length, 1);
    const seen = upstream.connections[0];
    assert.ok(seen.firstByteAt >= lastSentAt, `the upstream saw bytes ${lastSentAt - seen.firstByteAt} ms before the body was whole`);
    const text = seen.data.toString();
    assert.match(text, /\r\ncontent-length: 12\r\n/i);
    assert.doesNotMatch(text, /transfer-encoding/i);
    assert.ok(text.endsWith("\r\n\r\nhello world!"), text);
  });
}

// Proves: a chunked body of exactly limits.request_buffering bytes "fits" too: the gateway waits
// for its last chunk before contacting the upstream (a client withholding it holds no upstream).
test("request buffering: a chunked body of exactly request_buffering bytes is read whole", async () => {
  upstream.connections.length = 0;
  const head = "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  const { res, lastSentAt } = await drip(exact.port, head, Buffer.from("6\r\nhello \r\n6\r\nworld!\r\n0\r\n\r\n"), 60);
  assert.equal(res?.status, 200);
  const seen = upstream.connections[0];
  assert.ok(seen.firstByteAt >= lastSentAt, `the upstream saw bytes ${lastSentAt - seen.firstByteAt} ms before the body was whole`);
  assert.match(seen.data.toString(), /\r\ncontent-length: 12\r\n\r\nhello world!$/i);
});

// Proves: limits.request_buffering: 0 streams the body as it comes (the upstream sees the head
// at once), still under timeouts.request_body.
test("request_buffering: 0 streams the body to the upstream as it arrives", async () => {
  upstream.connections.length = 0;
  const { res, lastSentAt } = await drip(unbuffered.port, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n\r\n", body12, 60);
  assert.equal(res?.status, 200);
  assert.ok(upstream.connections[0].firstByteAt < lastSentAt);
});
