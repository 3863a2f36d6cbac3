// An upstream response head whose lines end in a bare LF is malformed: the gateway refuses it at
// once with 502 upstream_bad_response, as it does a client's, instead of waiting for a CRLF CRLF
// that never comes until the upstream's timeout (then misreported as a 504 upstream_timeout).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { startGateway, baseConfig } from "../support/gateway.mjs";
import { request } from "../support/raw.mjs";

let upstream, gw;
const sockets = new Set();

before(async () => {
  upstream = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    let seen = "";
    socket.on("data", (d) => {
      seen += d.toString("latin1");
      if (!seen.includes("\r\n\r\n")) return;
      seen = "";
      socket.write("HTTP/1.1 200 OK\nContent-Length: 2\n\nok");  // and the connection stays open
    });
  });
  await new Promise((r) => upstream.listen(0, "127.0.0.1", r));
  gw = await startGateway(baseConfig({ upstream: `http://127.0.0.1:${upstream.address().port}`, facilitator: "http://127.0.0.1:9",
    routes: `  - { match: "/*" }`, upstreamExtra: ", timeout: 5s" }));
});

after(async () => {
  await gw.stop();
  for (const s of sockets) s.destroy();
  await new Promise((r) => upstream.close(r));
});

test("an upstream head with bare LF line ends gets 502 at once, not 504 at the upstream timeout", async () => {
  const started = Date.now();
  const res = await request(gw.port, "GET /y HTTP/1.1\r\nHost: a\r\n\r\n", { ms: 8000 });
  const elapsed = Date.now() - started;
  assert.equal(res.status, 502, res.text ?? res.raw);
  assert.equal(JSON.parse(res.text).error, "upstream_bad_response");
  assert.ok(elapsed < 2000, `answered after ${elapsed} ms`);
});
