// An upstream response head whose lines end in a bare LF is malformed: the gateway refuses it at
// once with 502 upstream_bad_response, as it does a client's, instead of waiting for a CRLF CRLF
// that never comes until the upstream's timeout (then misreported as a 504 upstream_timeout).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startGateway, baseConfig } from "../support/gateway.mjs";
import { request, startRawUpstream } from "../support/raw.mjs";

let upstream, gw;

before(async () => {
  upstream = await startRawUpstream((req, socket) => socket.write("HTTP/1.1 200 OK\nContent-Length: 2\n\nok"));
  gw = await startGateway(baseConfig({ upstream: `http://127.0.0.1:${upstream.port}`, facilitator: "http://127.0.0.1:9",
    routes: `  - { match: "/*" }`, upstreamExtra: ", timeout: 5s" }));
});

after(async () => {
  await gw.stop();
  await upstream.close();
});

test("an upstream head with bare LF line ends gets 502 at once, not 504 at the upstream timeout", async () => {
  const started = Date.now();
  const res = await request(gw.port, "GET /y HTTP/1.1\r\nHost: a\r\n\r\n", { ms: 8000 });
  const elapsed = Date.now() - started;
  assert.equal(res.status, 502, res.text ?? res.raw);
  assert.equal(JSON.parse(res.text).error, "upstream_bad_response");
  assert.ok(elapsed < 2000, `answered after ${elapsed} ms`);
});
