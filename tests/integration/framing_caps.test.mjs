// The chunk-framing bounds (a chunk-size line with its extensions 4KiB, a trailer section 8KiB)
// hold however the bytes arrive: framing over them that comes complete in one write is refused
// as when it trickles in (400 chunk_framing_too_large for a client, 502 for an upstream).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startGateway, baseConfig } from "../support/gateway.mjs";
import { request, startRawUpstream } from "../support/raw.mjs";

let upstream, gw, answer = "";

before(async () => {
  upstream = await startRawUpstream((req, socket) => socket.write(answer));
  gw = await startGateway(baseConfig({ upstream: `http://127.0.0.1:${upstream.port}`, facilitator: "http://127.0.0.1:9",
    routes: `  - { match: "/*" }` }));
  answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
});

after(async () => {
  await gw.stop();
  await upstream.close();
});

const head = "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
const trailers = "X-T: 1234567890\r\n".repeat(700);  // about 12KiB

const overBounds = {
  "a 10KiB chunk extension": "1;" + "a".repeat(10000) + "\r\na\r\n0\r\n\r\n",
  "a chunk size with 10,000 leading zeros": "0".repeat(10000) + "1\r\na\r\n0\r\n\r\n",
  "a 12KiB trailer section": "1\r\na\r\n0\r\n" + trailers + "\r\n",
};

for (const [name, body] of Object.entries(overBounds)) {
  test(`client: ${name} in one write gets 400 chunk_framing_too_large`, async () => {
    const res = await request(gw.port, head + body);
    assert.equal(res.status, 400, res.text ?? res.raw);
    assert.equal(JSON.parse(res.text).error, "chunk_framing_too_large");
  });
  // 502 when nothing was relayed yet; a trailer section comes after the body has begun to flow,
  // so there the relay is broken off: the client never sees the response end.
  test(`upstream: ${name} in one write is refused (502, or the relay broken off)`, async () => {
    answer = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body.replace("1\r\na\r\n", "1\r\nb\r\n");
    try {
      const res = await request(gw.port, "GET /y HTTP/1.1\r\nHost: a\r\n\r\n");
      if (res.status === undefined) assert.ok(res.closed && !res.raw.endsWith("0\r\n\r\n"), res.raw);
      else assert.equal(res.status, 502, res.text);
    } finally {
      answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    }
  });
}

test("framing within the bounds in one write still passes, both ways", async () => {
  const ext = ";" + "e".repeat(4000);
  const ok = "3" + ext + "\r\nabc\r\n" + "1\r\nz\r\n".repeat(200) + "0\r\n" + "X-T: 1234567890\r\n".repeat(400) + "\r\n";
  const res = await request(gw.port, head + ok);
  assert.equal(res.status, 200, res.text ?? res.raw);
  answer = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + ok;
  try {
    const up = await request(gw.port, "GET /y HTTP/1.1\r\nHost: a\r\n\r\n");
    assert.equal(up.status, 200, up.text ?? up.raw);
    assert.equal(up.text, "abc" + "z".repeat(200));
  } finally {
    answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  }
});
