// Issue 20, defect 5: on a TLS connection the second and later request heads have
// timeouts.request_header from their first byte, as on plain TCP (keep_alive is only the idle
// wait between requests).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";
import { startGateway, startUpstream } from "../support/gateway.mjs";
import { parseResponse } from "../support/raw.mjs";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "x402gw-tlsdl-"));
let upstream, gw;

before(async () => {
  execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
    "-subj", "/CN=a.test", "-addext", "subjectAltName=DNS:a.test", "-keyout", `${dir}/a.key`, "-out", `${dir}/a.crt`], { stdio: "ignore" });
  upstream = await startUpstream();
  const yaml = (tlsListener) => `listen:
  - ${tlsListener}
admin_listen: "127.0.0.1:0"
threads: 1
timeouts: { request_header: 1s, keep_alive: 30s }
limits: { challenges_per_second: 0 }
upstreams:
  api: { url: "${upstream.url}" }
facilitators:
  f: { url: "http://127.0.0.1:9", timeout: 2s }
payment:
  pay_to: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
  network: base-sepolia
routes:
  - { match: "/*" }
`;
  gw = await startGateway(yaml(`{ address: "127.0.0.1:0", tls: { certificates: [ { cert_file: "${dir}/a.crt", key_file: "${dir}/a.key" } ] } }`));
});

after(async () => {
  await gw.stop();
  await upstream.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** One request answered, then a second head dripped a byte every 200 ms: resolves to how long
 *  the gateway took to answer or close, and what it said. */
function secondHeadDripped(socket) {
  return new Promise((resolve) => {
    let data = Buffer.alloc(0), first = null, started = 0, drip;
    const done = (why) => {
      clearInterval(drip);
      socket.destroy();
      resolve({ why, elapsed: Date.now() - started, res: parseResponse(data, { closed: true }) });
    };
    socket.on("data", (d) => {
      data = Buffer.concat([data, d]);
      if (!first && (first = parseResponse(data))) {
        data = data.subarray(first.size);
        started = Date.now();
        socket.write("GET /free HTTP/1.1\r\nHost: a.test\r\nX-Slow: ");
        drip = setInterval(() => socket.write("x"), 200);
      } else if (first && parseResponse(data)) done("answered");
    });
    socket.on("close", () => done("closed"));
    socket.on("error", () => {});
    socket.write("GET /free HTTP/1.1\r\nHost: a.test\r\n\r\n");
    setTimeout(() => done("timeout"), 12000);
  });
}

// Proves: the dripped second head on TLS is refused after request_header (1 s), not keep_alive (30 s).
test("TLS: a dripped second request head gets 408 after timeouts.request_header", async () => {
  const socket = tls.connect({ host: "127.0.0.1", port: gw.ports.tls, servername: "a.test", rejectUnauthorized: false });
  await new Promise((r, j) => { socket.once("secureConnect", r); socket.once("error", j); });
  const { why, elapsed, res } = await secondHeadDripped(socket);
  assert.notEqual(why, "timeout", "the second head was still being read after 12 s");
  assert.equal(res?.status, 408, why);
  assert.ok(elapsed >= 900 && elapsed < 3000, `refused after ${elapsed} ms`);
});

// Proves: an idle TLS keep-alive connection is still kept for keep_alive (it is not cut at request_header).
test("TLS: an idle keep-alive connection outlives timeouts.request_header", async () => {
  const socket = tls.connect({ host: "127.0.0.1", port: gw.ports.tls, servername: "a.test", rejectUnauthorized: false });
  await new Promise((r, j) => { socket.once("secureConnect", r); socket.once("error", j); });
  let data = Buffer.alloc(0);
  socket.on("data", (d) => { data = Buffer.concat([data, d]); });
  socket.write("GET /free HTTP/1.1\r\nHost: a.test\r\n\r\n");
  await new Promise((r) => setTimeout(r, 2500));
  assert.ok(!socket.destroyed && !socket.readableEnded, "the idle connection was closed");
  const first = parseResponse(data);
  data = data.subarray(first.size);
  socket.write("GET /free HTTP/1.1\r\nHost: a.test\r\n\r\n");
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(parseResponse(data)?.status, 200);
  socket.destroy();
});
