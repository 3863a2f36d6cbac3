// Pooled upstream connections: every one is checked before it is used again, so bytes an
// upstream sent past the end of one answer can never become another client's answer.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startGateway, baseConfig } from "../support/gateway.mjs";
import { request, startRawUpstream, sleep } from "../support/raw.mjs";

let upstream, gw;

const STRAY = "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nnot yours";

before(async () => {
  upstream = await startRawUpstream((req, socket) => {
    if (req.target.startsWith("/switch")) return socket.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
    const body = `own ${req.target}`;
    socket.write(`HTTP/1.1 200 OK\r\nX-Target: ${req.target}\r\nContent-Length: ${body.length}\r\n\r\n${req.method === "HEAD" ? "" : body}`);
    // A broken upstream: a little later (after the gateway has put the connection back in its
    // pool, whose check saw nothing left over), bytes past the answer's Content-Length arrive.
    if (req.target.startsWith("/stray")) setTimeout(() => socket.write(STRAY), 100);
    if (req.target.startsWith("/eof")) setTimeout(() => socket.end(), 100);
  });
  // One worker: both clients are served from the same pool.
  gw = await startGateway(baseConfig({ upstream: upstream.url, facilitator: "http://127.0.0.1:9", routes: `  - { match: "/*" }` })
    .replace("threads: 2", "threads: 1"));
});
after(async () => {
  await gw?.stop();
  await upstream?.close();
});

const get = (path) => `GET ${path} HTTP/1.1\r\nHost: gw.test\r\nConnection: close\r\n\r\n`;

for (const method of ["GET", "HEAD", "DELETE"]) {
  test(`${method}: stray bytes on a pooled connection never reach the next client (on another connection)`, async () => {
    const first = await request(gw.port, get(`/stray-${method}`));
    assert.equal(first.text, `own /stray-${method}`);
    await sleep(300);  // the stray answer has arrived on the idle pooled connection
    const head = method === "HEAD";
    const second = await request(gw.port, get(`/next-${method}`).replace(/^GET/, method), { head });
    assert.equal(second.status, 200);
    assert.equal(second.headers["x-target"], `/next-${method}`, "the second client gets its own answer");
    if (!head) assert.equal(second.text, `own /next-${method}`, "the second client gets its own answer");
    assert.ok(upstream.requests.some((r) => r.target === `/next-${method}`), "its own request reached the upstream");
  });
}

// The gateway never forwards Upgrade (hop-by-hop), so an upstream's 101 switches nothing. Relayed,
// it told the client (and any proxy in front, which may turn the connection into a blind tunnel
// on a 101) that the protocol had switched, while the gateway went on reading HTTP requests from
// it: requests smuggled past the front proxy's checks.
test("an upstream's 101 Switching Protocols is not relayed: 502, and nothing switches", async () => {
  const s = (await import("node:net")).connect({ port: gw.port, host: "127.0.0.1" });
  let out = "";
  s.on("data", (d) => (out += d));
  s.on("error", () => {});
  s.write("GET /switch HTTP/1.1\r\nHost: gw.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
  await sleep(300);
  s.destroy();
  assert.doesNotMatch(out, /^HTTP\/1\.1 101/, "no 101 reached the client");
  assert.match(out, /^HTTP\/1\.1 502 /);
});

test("a pooled connection the upstream closed is not used", async () => {
  const first = await request(gw.port, get("/eof"));
  assert.equal(first.text, "own /eof");
  await sleep(300);
  const second = await request(gw.port, get("/after-eof"));
  assert.equal(second.text, "own /after-eof");
});
