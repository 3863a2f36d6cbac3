// Test support: the real gateway binary on port 0, a recording upstream, a scripted facilitator,
// raw sockets. Everything binds 127.0.0.1 and is stopped by the test that started it.
import { spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
export const GATEWAY_BIN = process.env.X402GW_BIN || path.resolve(here, "../../build/x402-gateway");

/** The anvil account the tests pay to, and a buyer address. */
export const PAY_TO = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
export const BUYER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";

/** Runs the gateway binary with arguments and collects its output (for --check / --version). */
export function runGatewayCommand(args, { env = {} } = {}) {
  return new Promise((resolve) => {
    const child = spawn(GATEWAY_BIN, args, { env: { ...process.env, ...env } });
    let stdout = "", stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Writes `yaml` to a temp file; returns its path. */
export function writeConfig(yaml) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "x402gw-test-"));
  const file = path.join(dir, "gateway.yaml");
  fs.writeFileSync(file, yaml);
  return file;
}

/**
 * Starts the gateway with a YAML text. Resolves to { port, adminPort, url(path), access (parsed
 * access log lines), stderr(), pid, signal(name), stop() }.
 */
export async function startGateway(yaml, { env = {}, bin = GATEWAY_BIN } = {}) {
  const file = writeConfig(yaml);
  const child = spawn(bin, ["--config", file], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
  const access = [];
  let stderr = "";
  let partial = "";
  child.stdout.on("data", (d) => {
    partial += d;
    let nl;
    while ((nl = partial.indexOf("\n")) >= 0) {
      const line = partial.slice(0, nl);
      partial = partial.slice(nl + 1);
      if (line.trim()) access.push(JSON.parse(line));
    }
  });
  const ports = await new Promise((resolve, reject) => {
    const found = {};
    const timer = setTimeout(() => reject(new Error("gateway did not start:\n" + stderr)), 10000);
    const early = (code) => { clearTimeout(timer); reject(new Error(`gateway exited with ${code}:\n${stderr}`)); };
    child.on("exit", early);
    child.stderr.on("data", (d) => {
      stderr += d;
      for (const m of stderr.matchAll(/"listener":"(\w+)","msg":"listening","port":(\d+)/g)) found[m[1]] = Number(m[2]);
      if ((found.main || found.tls || found.auth) && /"msg":"started"/.test(stderr)) {
        clearTimeout(timer);
        child.off("exit", early);
        resolve(found);
      }
    });
  });
  const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  return {
    configPath: file,
    port: ports.main,
    ports,
    adminPort: ports.admin,
    pid: child.pid,
    access,
    exited,
    stderr: () => stderr,
    url: (p) => `http://127.0.0.1:${ports.main}${p}`,
    authPort: ports.auth,
    authUrl: (p) => `http://127.0.0.1:${ports.auth}${p}`,
    admin: (p) => `http://127.0.0.1:${ports.admin}${p}`,
    signal: (name) => child.kill(name),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const result = await exited;
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
      // Under the sanitizers, any report (memory error, leak, undefined behaviour) fails the test.
      const finding = /ERROR: (Address|Leak)Sanitizer|runtime error:/.exec(stderr);
      if (finding) throw new Error("sanitizer report from the gateway:\n" + stderr.slice(stderr.indexOf(finding[0]) - 200));
      return result;
    },
  };
}

function listen(server) {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server.address().port)));
}

function closeServer(server) {
  return new Promise((resolve) => { server.closeAllConnections?.(); server.close(() => resolve()); });
}

/**
 * A real upstream that records every request it receives ({method, url, headers, body}).
 * `handler(req, res, body)` answers; the default answers 200 {"ok":true}.
 */
export async function startUpstream(handler) {
  const requests = [];
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      requests.push({ method: req.method, url: req.url, headers: req.headers, body: body.toString("utf8"), bodyLength: body.length, socket: req.socket.remotePort });
      if (handler) return handler(req, res, body);
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ ok: true, path: req.url }));
    });
  });
  server.on("connection", (s) => { sockets.add(s); s.on("close", () => sockets.delete(s)); });
  server.keepAliveTimeout = 30000;
  const port = await listen(server);
  return { port, url: `http://127.0.0.1:${port}`, requests, connections: () => sockets.size, server, close: () => closeServer(server) };
}

/**
 * A facilitator whose answers the test scripts. `script.verify` / `script.settle` are functions
 * (requestBody, req) => { status?, body?, delayMs?, raw?, hangUp?, hang?, headers? } (body objects are sent
 * as JSON, `raw` as it is; `hang` never answers; `headers` are added to the answer). Defaults:
 * valid, and a successful settlement.
 */
export async function startFacilitator(script = {}) {
  const calls = [];
  const probes = [];
  const defaults = {
    verify: () => ({ body: { isValid: true, payer: BUYER } }),
    supported: () => ({ body: { kinds: [
      { x402Version: 2, scheme: "exact", network: "eip155:84532" },
      { x402Version: 1, scheme: "exact", network: "base-sepolia" },
    ], extensions: [], signers: {} } }),
    settle: (b) => ({ body: { success: true, transaction: "0x" + "ab".repeat(32), network: b.paymentRequirements.network, payer: BUYER } }),
  };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", async () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const endpoint = req.url.replace(/^.*\//, "");
      const body = text ? JSON.parse(text) : null;
      // Readiness probes (/supported) are kept apart from the payment calls tests count.
      (endpoint === "supported" ? probes : calls).push({ endpoint, url: req.url, headers: req.headers, body, at: Date.now() });
      const act = (script[endpoint] || defaults[endpoint] || (() => ({ status: 404, body: { error: "not found" } })))(body, req);
      if (act.delayMs) await new Promise((r) => setTimeout(r, act.delayMs));
      if (act.until) await act.until;  // a gate the test opens
      if (act.hangUp) return req.socket.destroy();
      if (act.hang) return;  // the connection stays open and silent until the server closes
      const out = act.raw !== undefined ? act.raw : JSON.stringify(act.body);
      res.writeHead(act.status || 200, { "content-type": "application/json", ...(act.headers || {}) });
      res.end(out);
    });
  });
  const port = await listen(server);
  return { port, url: `http://127.0.0.1:${port}`, calls, probes, script, close: () => closeServer(server) };
}

/** Forgets what `upstream` and `facilitator` recorded and sets the facilitator's verify/settle
 *  script (undefined: the defaults), between tests that share them. */
export function resetRecorders(upstream, facilitator, script = {}) {
  upstream.requests.length = 0;
  facilitator.calls.length = 0;
  facilitator.script.verify = script.verify;
  facilitator.script.settle = script.settle;
}

/** A free TCP port nobody listens on (bound, then released). */
export async function deadPort() {
  const server = net.createServer();
  const port = await listen(server);
  await new Promise((r) => server.close(r));
  return port;
}

/** Sends raw bytes and collects everything until the peer closes or `ms` pass. */
export function rawExchange(port, bytes, { ms = 2000 } = {}) {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    let data = "";
    let closed = false;
    const timer = setTimeout(() => { socket.destroy(); resolve({ data, closed }); }, ms);
    socket.on("data", (d) => (data += d));
    socket.on("close", () => { closed = true; clearTimeout(timer); resolve({ data, closed }); });
    socket.on("error", () => {});
    socket.write(bytes);
  });
}

/** Decodes a base64 JSON header. */
export function decodeHeader(value) {
  return JSON.parse(Buffer.from(value, "base64").toString("utf8"));
}

/** A payment header for the requirement `accepted` (v2) or its v1 twin, with a fresh nonce unless
 *  one is given (as real clients sign a new authorization each time). Signatures are not real:
 *  the scripted facilitator decides what is valid. */
export function paymentHeader(version, accepted, { value, to, nonce = crypto.randomBytes(32).toString("hex"), from = BUYER } = {}) {
  const payload = {
    signature: "0x" + "aa".repeat(65),
    authorization: { from, to: to || accepted.payTo, value: value || accepted.amount || accepted.maxAmountRequired, validAfter: "0", validBefore: "9999999999", nonce: "0x" + nonce },
  };
  const doc = version === 2
    ? { x402Version: 2, accepted, payload, resource: { url: "http://x/" } }
    : { x402Version: 1, scheme: accepted.scheme, network: accepted.network, payload };
  return Buffer.from(JSON.stringify(doc)).toString("base64");
}

/** Fetches the 402 for `url` and returns { v1: first v1 accept, v2: first v2 accept, response }. */
export async function challenge(url, init = {}) {
  const response = await fetch(url, init);
  const body = await response.json();
  const header = response.headers.get("payment-required");
  return { response, body, v1: body.accepts?.[0], v2: header ? decodeHeader(header).accepts[0] : undefined, v2doc: header ? decodeHeader(header) : undefined };
}

/** The usual test configuration around one upstream and one facilitator. Every test talks from
 *  127.0.0.1, so the per-address challenge rate is unlimited unless `limits` sets it. */
export function baseConfig({ upstream, facilitator, routes, extra = "", limits = "", facilitatorExtra = "", upstreamExtra = "" }) {
  return `listen: "127.0.0.1:0"
admin_listen: "127.0.0.1:0"
threads: 2
limits: { ${/challenges_per_second/.test(limits) ? "" : "challenges_per_second: 0, "}${limits} }
${extra}
upstreams:
  api: { url: "${upstream}"${upstreamExtra} }
facilitators:
  f: { url: "${facilitator}", timeout: 2s${facilitatorExtra} }
payment:
  pay_to: "${PAY_TO}"
  network: base-sepolia
routes:
${routes}
`;
}
