// Response framing on the streaming path: an answer that has no body (to HEAD, 204, 304) gets none,
// even when the upstream's header says Transfer-Encoding: chunked, so keep-alive stays in step.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startGateway, baseConfig } from "../support/gateway.mjs";
import { connect, startRawUpstream } from "../support/raw.mjs";

let upstream, gw;

before(async () => {
  upstream = await startRawUpstream((req, socket) => {
    if (req.method === "HEAD") return socket.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n");
    if (req.target.startsWith("/nocontent")) return socket.write("HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n");
    if (req.target.startsWith("/notmodified")) return socket.write("HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n");
    socket.write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok");
  });
  gw = await startGateway(baseConfig({ upstream: upstream.url, facilitator: "http://127.0.0.1:9", routes: `  - { match: "/*" }` }));
});

after(async () => {
  await gw.stop();
  await upstream.close();
});

for (const [name, first, status] of [
  ["HEAD with a chunked 200", "HEAD /x", 200],
  ["GET answered 204 with Transfer-Encoding: chunked", "GET /nocontent", 204],
  ["GET answered 304 with Transfer-Encoding: chunked", "GET /notmodified", 304],
]) {
  // Proves: no stray last-chunk (0\r\n\r\n) follows a bodiless answer; the next answer on the same
  // keep-alive connection starts right after its header block.
  test(`no stray last-chunk after ${name}`, async () => {
    const c = await connect(gw.port);
    try {
      c.write(`${first} HTTP/1.1\r\nHost: x\r\n\r\n`);
      const res = await c.readResponse({ head: first.startsWith("HEAD") });
      assert.ok(res, "the first answer arrived");
      assert.equal(res.status, status);
      c.write("GET /y HTTP/1.1\r\nHost: x\r\n\r\n");
      await c.until(() => (c.data.length >= 9 ? true : null), 5000);
      const next = c.data.toString("latin1");
      assert.ok(next.startsWith("HTTP/1.1 "), `bytes after the first answer's header: ${JSON.stringify(next.slice(0, 40))}`);
      const second = await c.readResponse();
      assert.equal(second?.status, 200);
      assert.equal(second.body.toString(), "ok");
    } finally {
      c.close();
    }
  });
}
