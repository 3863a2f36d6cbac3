// TLS on the listeners: the real gateway with certificates made by openssl in a temp dir, a real
// upstream, node's TLS client. Handshake, SNI, resumption, reload under load, the handshake
// deadline, the redirect listener and https resource URLs.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";
import { startGateway, startUpstream, startFacilitator, PAY_TO } from "../support/gateway.mjs";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "x402gw-tls-"));
let upstream, facilitator, gw, tlsPort, redirectPort;

/** A self-signed P-256 certificate for `name` written to <file>.crt/.key; returns its PEM. */
function makeCert(file, name) {
  execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
    "-subj", `/CN=${name}`, "-addext", `subjectAltName=DNS:${name}`, "-keyout", `${file}.key.tmp`, "-out", `${file}.crt.tmp`], { stdio: "ignore" });
  // Each file replaced in one rename: a reader sees the old or the new file, never half of one.
  fs.renameSync(`${file}.key.tmp`, `${file}.key`);
  fs.renameSync(`${file}.crt.tmp`, `${file}.crt`);
  return fs.readFileSync(`${file}.crt`, "utf8");
}

const trusted = [];
const fingerprint = (pem) => new crypto.X509Certificate(pem).fingerprint256;

/** One TLS connection: resolves to { cert fingerprint, alpn, reused, session }. */
function connect({ servername, session, minVersion, maxVersion, alpn = ["http/1.1"], port = tlsPort } = {}) {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: "127.0.0.1", port, servername, ca: trusted, session, minVersion, maxVersion, ALPNProtocols: alpn,
      checkServerIdentity: () => undefined }, () => {
      const out = { fingerprint: s.getPeerX509Certificate()?.fingerprint256, alpn: s.alpnProtocol, reused: s.isSessionReused(), protocol: s.getProtocol() };
      // TLS 1.3 tickets arrive after the handshake.
      s.once("session", (sess) => { out.session = sess; s.end(); resolve(out); });
      s.once("close", () => resolve(out));
      s.write("GET /free HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n");
    });
    s.on("error", reject);
    s.on("data", () => {});
  });
}

/** GET over https; resolves to { status, headers, body }. */
function get(p, { servername = "a.test", agent, port = tlsPort } = {}) {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: "127.0.0.1", port, path: p, servername, ca: trusted, agent, headers: { host: `${servername}:${port}` } }, (res) => {
      let body = "";
      const cert = res.socket.getPeerX509Certificate()?.fingerprint256;
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body, cert }));
    });
    req.on("error", reject);
    req.end();
  });
}

async function metrics() {
  return (await fetch(gw.admin("/metrics"))).text();
}

function counter(text, name, labels) {
  const line = text.split("\n").find((l) => l.startsWith(name + "{") && l.includes(labels));
  return line ? Number(line.split(" ").pop()) : 0;
}

before(async () => {
  trusted.push(makeCert(path.join(dir, "a"), "a.test"));
  trusted.push(makeCert(path.join(dir, "b"), "b.test"));
  upstream = await startUpstream();
  facilitator = await startFacilitator();
  gw = await startGateway(`listen:
  - address: "127.0.0.1:0"
    tls:
      certificates:
        - { cert_file: "${dir}/a.crt", key_file: "${dir}/a.key" }
        - { cert_file: "${dir}/b.crt", key_file: "${dir}/b.key" }
      handshake_timeout: 400ms
      watch_interval: 100ms
  - { address: "127.0.0.1:0", redirect_https: true }
admin_listen: "127.0.0.1:0"
threads: 2
limits: { challenges_per_second: 0 }
upstreams:
  api: { url: "${upstream.url}" }
facilitators:
  f: { url: "${facilitator.url}", timeout: 2s }
payment:
  pay_to: "${PAY_TO}"
  network: base-sepolia
routes:
  - { match: "GET /paid", price: "$0.01" }
  - { match: "/free*" }
`);
  tlsPort = gw.ports.tls;
  redirectPort = gw.ports.redirect;
});

after(async () => {
  await gw.stop();
  await upstream.close();
  await facilitator.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test("a TLS handshake negotiates TLS 1.3 and http/1.1, and the upstream is told the client used https", async () => {
  const c = await connect({ servername: "a.test" });
  assert.equal(c.protocol, "TLSv1.3");
  assert.equal(c.alpn, "http/1.1");
  const r = await get("/free/x");
  assert.equal(r.status, 200);
  const seen = upstream.requests.at(-1);
  assert.equal(seen.headers["x-forwarded-proto"], "https");
});

test("the earliest expiry of a listener's certificates is exported (alerts and the dashboard read it)", async () => {
  const earliest = Math.min(...trusted.map((pem) => Math.floor(Date.parse(new crypto.X509Certificate(pem).validTo) / 1000)));
  assert.equal(counter(await metrics(), "x402gw_tls_certificate_expiry_timestamp_seconds", "listener="), earliest);
  const summary = await (await fetch(gw.admin("/admin/summary"))).json();
  assert.equal(summary.certificates.length, 1);
  assert.equal(summary.certificates[0].not_after, earliest);
  assert.ok(summary.certificates[0].seconds_left > 86400 && summary.certificates[0].seconds_left <= 2 * 86400);
});

test("TLS 1.2 works; a client that offers only TLS 1.1 is refused and counted", async () => {
  const c = await connect({ servername: "a.test", maxVersion: "TLSv1.2" });
  assert.equal(c.protocol, "TLSv1.2");
  const before = counter(await metrics(), "x402gw_tls_handshake_failures_total", 'reason="protocol_version"');
  // A raw TLS 1.1 ClientHello: node's own client no longer speaks 1.1.
  const hello = Buffer.from(
    "16030100" + "2f" + "01" + "00002b" + "0302" + "00".repeat(32) + "00" + "0004" + "c013c014" + "0100" + "0000", "hex");
  await new Promise((resolve) => {
    const s = net.connect(tlsPort, "127.0.0.1", () => s.write(hello));
    s.on("data", () => {});
    s.on("error", resolve);
    s.on("close", resolve);
  });
  await new Promise((r) => setTimeout(r, 100));
  const after = counter(await metrics(), "x402gw_tls_handshake_failures_total", 'reason="protocol_version"');
  assert.equal(after, before + 1);
});

test("the certificate is chosen by SNI; no SNI or an unknown name gets the first one", async () => {
  const a = await connect({ servername: "a.test" });
  const b = await connect({ servername: "B.Test" });
  const none = await connect({});
  const unknown = await connect({ servername: "other.test" });
  assert.equal(a.fingerprint, fingerprint(trusted[0]));
  assert.equal(b.fingerprint, fingerprint(trusted[1]));
  assert.equal(none.fingerprint, fingerprint(trusted[0]));
  assert.equal(unknown.fingerprint, fingerprint(trusted[0]));
});

test("a session ticket resumes the session, and the resumption is counted", async () => {
  const first = await connect({ servername: "a.test" });
  assert.ok(first.session);
  const second = await connect({ servername: "a.test", session: first.session });
  assert.equal(second.reused, true);
  assert.ok(counter(await metrics(), "x402gw_tls_handshakes_total", 'resumed="true"') >= 1);
});

test("ticket keys rotate: a ticket of the previous period resumes, an older one does not", async () => {
  const other = await startGateway(`listen:
  - address: "127.0.0.1:0"
    tls: { cert_file: "${dir}/a.crt", key_file: "${dir}/a.key", ticket_key_rotation: 1s }
threads: 1
upstreams:
  api: { url: "${upstream.url}" }
routes:
  - { match: "/free*" }
`);
  try {
    const port = other.ports.tls;
    const first = await connect({ servername: "a.test", port });
    await new Promise((r) => setTimeout(r, 1100));  // one period: the key is now the previous one
    assert.equal((await connect({ servername: "a.test", port, session: first.session })).reused, true);
    const second = await connect({ servername: "a.test", port });
    await new Promise((r) => setTimeout(r, 2100));  // two periods: its key is gone
    assert.equal((await connect({ servername: "a.test", port, session: second.session })).reused, false);
  } finally {
    await other.stop();
  }
});

test("rotated certificate files are picked up under load with zero failed requests", async () => {
  let stop = false, failures = 0, ok = 0;
  const seen = new Set();
  const agent = new https.Agent({ keepAlive: true, maxSockets: 4 });
  const load = async (useAgent) => {
    while (!stop) {
      try {
        const r = await get("/free/load", { agent: useAgent ? agent : false });
        if (r.status === 200) ok++; else failures++;
        if (r.cert) seen.add(r.cert);
      } catch (e) {
        failures++;
      }
    }
  };
  const workers = [load(true), load(true), load(false), load(false)];
  await new Promise((r) => setTimeout(r, 300));
  const fresh = makeCert(path.join(dir, "a"), "a.test");
  trusted.push(fresh);
  // New handshakes get the new certificate once the file watch has seen it.
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && !seen.has(fingerprint(fresh))) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 300));
  stop = true;
  await Promise.all(workers);
  agent.destroy();
  assert.equal(failures, 0);
  assert.ok(ok > 20, `only ${ok} requests went through`);
  assert.ok(seen.has(fingerprint(fresh)), "the new certificate was never served");
  assert.equal((await connect({ servername: "a.test" })).fingerprint, fingerprint(fresh));
  assert.ok(counter(await metrics(), "x402gw_tls_certificate_reloads_total", 'result="ok"') >= 1);
});

test("SIGHUP reloads the certificates; a broken file keeps the running ones", async () => {
  const fresh = makeCert(path.join(dir, "b"), "b.test");
  trusted.push(fresh);
  gw.signal("SIGHUP");
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await connect({ servername: "b.test" })).fingerprint, fingerprint(fresh));
  const before = counter(await metrics(), "x402gw_tls_certificate_reloads_total", 'result="failed"');
  fs.writeFileSync(path.join(dir, "b.crt"), "not a certificate\n");
  gw.signal("SIGHUP");
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await connect({ servername: "b.test" })).fingerprint, fingerprint(fresh));
  assert.ok(counter(await metrics(), "x402gw_tls_certificate_reloads_total", 'result="failed"') > before);
  assert.match(gw.stderr(), /certificate reload failed/);
});

test("a client that never completes its handshake is cut off at the deadline, counted as a timeout", async () => {
  const before = counter(await metrics(), "x402gw_tls_handshake_failures_total", 'reason="timeout"');
  const started = Date.now();
  const closed = await new Promise((resolve) => {
    const s = net.connect(tlsPort, "127.0.0.1", () => s.write(Buffer.from("1603010200", "hex")));  // half a record header
    s.on("data", () => {});
    s.on("error", () => resolve(Date.now() - started));
    s.on("close", () => resolve(Date.now() - started));
    setTimeout(() => { s.destroy(); resolve(-1); }, 5000);
  });
  assert.notEqual(closed, -1, "the server never closed the connection");
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(counter(await metrics(), "x402gw_tls_handshake_failures_total", 'reason="timeout"'), before + 1);
});

test("the redirect listener sends every request to the https listener, with its path and query", async () => {
  const r = await new Promise((resolve, reject) => {
    http.get({ host: "127.0.0.1", port: redirectPort, path: "/paid?x=1", headers: { host: `shop.test:${redirectPort}` } }, (res) => {
      res.resume();
      resolve(res);
    }).on("error", reject);
  });
  assert.equal(r.statusCode, 308);
  assert.equal(r.headers.location, `https://shop.test:${tlsPort}/paid?x=1`);
  const before = upstream.requests.length;
  const post = await fetch(`http://127.0.0.1:${redirectPort}/free`, { method: "POST", body: "x", redirect: "manual" });
  assert.equal(post.status, 308);
  assert.equal(upstream.requests.length, before, "a redirected request never reaches the upstream");
});

test("a challenge over TLS names an https resource", async () => {
  const r = await get("/paid");
  assert.equal(r.status, 402);
  const body = JSON.parse(r.body);
  assert.equal(body.accepts[0].resource, `https://a.test:${tlsPort}/paid`);
  const v2 = JSON.parse(Buffer.from(r.headers["payment-required"], "base64").toString());
  assert.equal(v2.resource.url, `https://a.test:${tlsPort}/paid`);
});

test("plain HTTP sent to the TLS port is refused and counted", async () => {
  const before = counter(await metrics(), "x402gw_tls_handshake_failures_total", 'reason="plain_http"');
  await fetch(`http://127.0.0.1:${tlsPort}/free`).catch(() => {});
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(counter(await metrics(), "x402gw_tls_handshake_failures_total", 'reason="plain_http"'), before + 1);
});
