// No request smuggling: ambiguous framing is refused with 400, the connection closed, and not a
// byte reaches the upstream.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { startGateway, baseConfig, rawExchange } from "../support/gateway.mjs";

let gw, upstream;
const received = [];

before(async () => {
  upstream = net.createServer((socket) => {
    socket.on("data", (d) => {
      received.push(d.toString());
      socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    });
    socket.on("error", () => {});
  });
  await new Promise((r) => upstream.listen(0, "127.0.0.1", r));
  gw = await startGateway(baseConfig({ upstream: `http://127.0.0.1:${upstream.address().port}`, facilitator: "http://127.0.0.1:9", routes: `  - { match: "/*" }` }));
});

after(async () => {
  await gw.stop();
  await new Promise((r) => upstream.close(r));
});

const cases = {
  "Content-Length with Transfer-Encoding": "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n",
  "Transfer-Encoding with Content-Length": "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n",
  "two different Content-Lengths": "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde",
  "two equal Content-Lengths": "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 4\r\n\r\nabcd",
  "a Content-Length list": "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 4, 4\r\n\r\nabcd",
  "obsolete line folding": "GET /a HTTP/1.1\r\nHost: x\r\nX-Foo: a\r\n  b\r\n\r\n",
  "a bad chunk size": "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
  "an oversized chunk size": "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n",
  "a header name with a space": "GET /a HTTP/1.1\r\nHost: x\r\nX Foo: a\r\n\r\n",
  "a space before the colon": "GET /a HTTP/1.1\r\nHost: x\r\nX-Foo : a\r\n\r\n",
  "Transfer-Encoding gzip": "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\nabcd",
  "Transfer-Encoding chunked, chunked": "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n",
  "Transfer-Encoding xchunked": "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n",
  "Transfer-Encoding on HTTP/1.0": "POST /a HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
  "two Host headers": "GET /a HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
  "no Host header": "GET /a HTTP/1.1\r\nAccept: */*\r\n\r\n",
  "bare LF line endings": "GET /a HTTP/1.1\nHost: x\n\n",
  "a negative Content-Length": "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
  "a NUL in the header": "GET /a HTTP/1.1\r\nHost: x\r\nX-Foo: a\u0000b\r\n\r\n",
};

for (const [name, bytes] of Object.entries(cases)) {
  test(`refused with 400 and closed: ${name}`, async () => {
    received.length = 0;
    const { data, closed } = await rawExchange(gw.port, bytes, { ms: 3000 });
    assert.match(data, /^HTTP\/1\.1 400 /, data);
    assert.match(data, /"error":"bad_request"/);
    assert.ok(closed, "the connection is closed");
    assert.deepEqual(received, [], "nothing reached the upstream");
  });
}

test("a well-formed request still goes through after all that", async () => {
  received.length = 0;
  const { data } = await rawExchange(gw.port, "GET /fine HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  assert.match(data, /^HTTP\/1\.1 200 /);
  assert.equal(received.length, 1);
});
