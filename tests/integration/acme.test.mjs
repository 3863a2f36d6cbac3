// Automatic certificates against a real ACME server: pebble (started once for this file on
// loopback ports), whose validation authority reaches the gateway through two small TCP
// forwarders and resolves every name to 127.0.0.1 through a tiny DNS answerer of this file.
// The gateway gets, renews and serves a certificate that curl verifies against pebble's root, and
// a restart serves the stored certificate without ordering again.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync, spawn } from "node:child_process";
import { promisify } from "node:util";
import crypto from "node:crypto";
import dgram from "node:dgram";
import fs from "node:fs";
import https from "node:https";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";
import { startGateway, startUpstream } from "../support/gateway.mjs";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "x402gw-acme-"));
const DOMAIN = "shop.test";
let pebble, dns, httpForward, tlsForward, upstream, directoryUrl, root, pebbleCa;
const execFileAsync = promisify(execFile);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A UDP DNS answerer: every A question gets 127.0.0.1, everything else an empty answer. */
async function startDns() {
  const socket = dgram.createSocket("udp4");
  socket.on("message", (msg, rinfo) => {
    if (msg.length < 12) return;
    let at = 12;
    while (at < msg.length && msg[at] !== 0) at += msg[at] + 1;
    const qtype = msg.readUInt16BE(at + 1);
    const question = msg.subarray(12, at + 5);
    const header = Buffer.alloc(12);
    msg.copy(header, 0, 0, 2);
    header.writeUInt16BE(0x8180 | (msg.readUInt16BE(2) & 0x0100), 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(qtype === 1 ? 1 : 0, 6);
    const answer = qtype === 1 ? Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 1]) : Buffer.alloc(0);
    socket.send(Buffer.concat([header, question, answer]), rinfo.port, rinfo.address);
  });
  await new Promise((r) => socket.bind(0, "127.0.0.1", r));
  return { port: socket.address().port, close: () => new Promise((r) => socket.close(r)) };
}

/** A TCP forwarder on port 0 to whichever local port `target` is set to. */
async function startForwarder() {
  const sockets = new Set();
  const f = { target: 0 };
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    if (!f.target) return client.destroy();
    const up = net.connect(f.target, "127.0.0.1");
    sockets.add(up);
    up.on("close", () => sockets.delete(up));
    client.pipe(up).pipe(client);
    up.on("error", () => client.destroy());
    client.on("error", () => up.destroy());
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  f.port = server.address().port;
  f.close = () => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(r); });
  return f;
}

function httpsGet(url, ca) {
  return new Promise((resolve, reject) => {
    https.get(url, { ca }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode, body }));
    }).on("error", reject);
  });
}

/** The listening TCP ports of a process. */
function portsOf(pid) {
  const out = execFileSync("ss", ["-ltnpH"], { encoding: "utf8" });
  return out.split("\n").filter((l) => l.includes(`pid=${pid},`)).map((l) => Number(l.split(/\s+/)[3].split(":").pop()));
}

before(async () => {
  // pebble's own TLS certificate, for 127.0.0.1 and localhost.
  execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", `${dir}/pebble.key`, "-out", `${dir}/pebble.crt`], { stdio: "ignore" });
  pebbleCa = fs.readFileSync(`${dir}/pebble.crt`, "utf8");
  dns = await startDns();
  httpForward = await startForwarder();
  tlsForward = await startForwarder();
  fs.writeFileSync(`${dir}/pebble.json`, JSON.stringify({ pebble: {
    listenAddress: "127.0.0.1:0", managementListenAddress: "127.0.0.1:0",
    certificate: `${dir}/pebble.crt`, privateKey: `${dir}/pebble.key`,
    httpPort: httpForward.port, tlsPort: tlsForward.port, ocspResponderURL: "", externalAccountBindingRequired: false } }));
  let log = "";
  pebble = spawn("pebble", ["-config", `${dir}/pebble.json`, "-dnsserver", `127.0.0.1:${dns.port}`, "-strict"],
    { env: { ...process.env, PEBBLE_VA_NOSLEEP: "1", PEBBLE_WFE_NONCEREJECT: "0" }, stdio: ["ignore", "pipe", "pipe"] });
  pebble.stdout.on("data", (d) => (log += d));
  pebble.stderr.on("data", (d) => (log += d));
  const deadline = Date.now() + 15000;
  for (;;) {
    const ports = portsOf(pebble.pid);
    if (ports.length >= 2) {
      for (const p of ports) {
        const r = await httpsGet(`https://127.0.0.1:${p}/dir`, pebbleCa).catch(() => null);
        if (r && r.status === 200 && r.body.includes("newOrder")) directoryUrl = `https://127.0.0.1:${p}/dir`;
        else {
          const roots = await httpsGet(`https://127.0.0.1:${p}/roots/0`, pebbleCa).catch(() => null);
          if (roots && roots.status === 200) root = roots.body;
        }
      }
      if (directoryUrl && root) break;
    }
    if (Date.now() > deadline) throw new Error("pebble did not start:\n" + log);
    await sleep(200);
  }
  upstream = await startUpstream();
});

after(async () => {
  pebble?.kill("SIGTERM");
  await Promise.all([dns?.close(), httpForward?.close(), tlsForward?.close(), upstream?.close()]);
  fs.rmSync(dir, { recursive: true, force: true });
});

function config(stateDir, challenge, extra = "") {
  return `listen:
  - "127.0.0.1:0"
  - address: "127.0.0.1:0"
    tls:
      acme: { domains: [${DOMAIN}], email: "ops@${DOMAIN}", directory: "${directoryUrl}", state_dir: "${stateDir}",
              ca_file: "${dir}/pebble.crt", challenge: ${challenge}, retry_min: 200ms, retry_max: 1s${extra} }
admin_listen: "127.0.0.1:0"
threads: 2
upstreams:
  api: { url: "${upstream.url}" }
routes:
  - { match: "/free*" }
`;
}

/** The certificate the gateway's TLS listener serves for DOMAIN, verified against pebble's root; null if none yet. */
function served(port) {
  return new Promise((resolve) => {
    const s = tls.connect({ host: "127.0.0.1", port, servername: DOMAIN, ca: root }, () => {
      const pem = s.getPeerX509Certificate().toString();
      s.end();
      resolve(pem);
    });
    s.on("error", () => resolve(null));
  });
}

async function waitForCertificate(port, differentFrom, ms = 30000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const pem = await served(port);
    if (pem && pem !== differentFrom) return pem;
    await sleep(200);
  }
  return null;
}

/** The certificates of a PEM text (the pair file holds the key first, then the chain). */
const certificatesOf = (pem) => pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g) || [];

async function orders(gw, result) {
  const text = await (await fetch(gw.admin("/metrics"))).text();
  const line = text.split("\n").find((l) => l.startsWith("x402gw_acme_orders_total{") && l.includes(`result="${result}"`));
  return line ? Number(line.split(" ").pop()) : 0;
}

test("HTTP-01: the gateway obtains a certificate, curl verifies it against pebble's root, and it is renewed", async () => {
  const stateDir = path.join(dir, "state-http");
  // A tiny renew_fraction makes the certificate due for renewal a few seconds after issuance.
  const gw = await startGateway(config(stateDir, "http-01", ", renew_fraction: 0.00000002"));
  try {
    httpForward.target = gw.ports.main;
    const first = await waitForCertificate(gw.ports.tls);
    assert.ok(first, "no certificate was served:\n" + gw.stderr());
    assert.match(new crypto.X509Certificate(first).subjectAltName, /DNS:shop\.test/);
    fs.writeFileSync(path.join(dir, "root.pem"), root);
    // Not execFileSync: the upstream that answers lives in this process.
    const curl = await execFileAsync("curl", ["-sS", "--cacert", path.join(dir, "root.pem"), "--resolve", `${DOMAIN}:${gw.ports.tls}:127.0.0.1`,
      `https://${DOMAIN}:${gw.ports.tls}/free/hello`], { encoding: "utf8" });
    assert.match(curl.stdout, /"ok":true/);
    const renewed = await waitForCertificate(gw.ports.tls, first);
    assert.ok(renewed, "the certificate was never renewed:\n" + gw.stderr());
    assert.ok(await orders(gw, "issued") >= 2);
    // Keys are 0600 from creation, the certificate and its key are one file, and no temporary is left.
    assert.equal(fs.statSync(path.join(stateDir, "account.key")).mode & 0o777, 0o600);
    assert.equal(fs.statSync(path.join(stateDir, "certificate.pem")).mode & 0o777, 0o600);
    assert.deepEqual(fs.readdirSync(stateDir).sort(), ["account.key", "certificate.pem", "domains"]);
  } finally {
    await gw.stop();
  }
});

test("a restart serves the stored certificate and orders nothing", async () => {
  const stateDir = path.join(dir, "state-http");
  const stored = certificatesOf(fs.readFileSync(path.join(stateDir, "certificate.pem"), "utf8"))[0];
  httpForward.target = 0;  // pebble could not validate anything now: an order would fail
  const gw = await startGateway(config(stateDir, "http-01"));
  try {
    const pem = await served(gw.ports.tls);
    assert.ok(pem, "the stored certificate is not served");
    assert.equal(new crypto.X509Certificate(pem).fingerprint256, new crypto.X509Certificate(stored).fingerprint256);
    await sleep(1000);
    assert.equal(await orders(gw, "issued"), 0);
    assert.equal(await orders(gw, "failed"), 0);
    assert.doesNotMatch(gw.stderr(), /acme: ordering/);
  } finally {
    await gw.stop();
  }
});

test("a key that does not match its certificate (a crash between the two files of earlier versions) is set aside and renewed, not fatal", async () => {
  // The chain the first test was issued (cert.pem where an earlier version wrote it).
  const stored = ["certificate.pem", "cert.pem"].map((f) => path.join(dir, "state-http", f)).find((f) => fs.existsSync(f));
  const issued = fs.readFileSync(stored, "utf8");
  const chain = certificatesOf(issued).join("");
  const otherKey = () => crypto.generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" });
  const layouts = {
    // Earlier versions: cert.pem and key.pem, replaced one after the other.
    "state-legacy-mismatch": { "cert.pem": chain, "key.pem": otherKey() },
    // The pair file, edited by hand or damaged.
    "state-pair-mismatch": { "certificate.pem": otherKey() + chain },
  };
  for (const [name, files] of Object.entries(layouts)) {
    const stateDir = path.join(dir, name);
    fs.mkdirSync(stateDir, { recursive: true });
    for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(stateDir, file), text, { mode: 0o600 });
    fs.writeFileSync(path.join(stateDir, "domains"), `${DOMAIN}\n`);
    const gw = await startGateway(config(stateDir, "http-01"));
    try {
      httpForward.target = gw.ports.main;
      const pem = await waitForCertificate(gw.ports.tls);
      assert.ok(pem, `${name}: no certificate was served:\n` + gw.stderr());
      assert.notEqual(new crypto.X509Certificate(pem).fingerprint256, new crypto.X509Certificate(certificatesOf(chain)[0]).fingerprint256,
        `${name}: a new certificate was ordered`);
      assert.match(gw.stderr(), /acme: the stored certificate is not usable/);
      assert.equal(fs.statSync(path.join(stateDir, "certificate.pem")).mode & 0o777, 0o600);
    } finally {
      httpForward.target = 0;
      await gw.stop();
    }
  }
});

test("TLS-ALPN-01: the gateway answers the validation on its TLS listener and serves the certificate", async () => {
  const stateDir = path.join(dir, "state-alpn");
  const gw = await startGateway(config(stateDir, "tls-alpn-01"));
  try {
    tlsForward.target = gw.ports.tls;
    const pem = await waitForCertificate(gw.ports.tls);
    assert.ok(pem, "no certificate was served:\n" + gw.stderr());
    assert.equal(await orders(gw, "issued"), 1);
  } finally {
    await gw.stop();
  }
});

test("an unreachable validation fails the order, which is retried with back-off", async () => {
  const stateDir = path.join(dir, "state-fail");
  httpForward.target = 0;
  const gw = await startGateway(config(stateDir, "http-01"));
  try {
    const deadline = Date.now() + 15000;
    while (Date.now() < deadline && (await orders(gw, "failed")) < 2) await sleep(200);
    assert.ok(await orders(gw, "failed") >= 2, gw.stderr());
    assert.match(gw.stderr(), /acme: the order failed; retrying later/);
    assert.equal(await served(gw.ports.tls), null);
  } finally {
    await gw.stop();
  }
});
