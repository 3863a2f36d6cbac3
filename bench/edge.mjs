// The edge under a crowd: 10,000 idle connections and 1,000 slow-drip clients against the gateway
// and against nginx, one after the other, with the same upstream and the same attack. Records the
// server's resident memory and open descriptors, how many attackers it still holds, and whether a
// fresh client is still served in time (the latency of one fresh request every second during the
// attack). Figures, not a test. Run it through bench/edge.sh (it raises the descriptor limit).
//
// The counts follow the descriptor limit (ulimit -n; this process holds every attacker's socket,
// and so does the server): IDLE (default 10000) and DRIP (default 1000) are lowered to fit in
// the limit less a margin. Half the drip clients drip a request header one byte a second, half a
// request body (POST, Content-Length 4096) one byte a second.
// Environment: IDLE, DRIP, ATTACK_SECONDS (30), FRESH_TIMEOUT_MS (2000), GATEWAY (binary), OUT.
import { mkdtempSync, writeFileSync, chmodSync, readdirSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { execFileSync } from "node:child_process";
import net from "node:net";
import http from "node:http";
import * as nginx from "./lib/nginx.mjs";
import { start, stop, stopAll, rssKiB, family } from "./lib/processes.mjs";
import { deadPort as freePort } from "../tests/support/gateway.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const env = process.env;
const GATEWAY = env.GATEWAY || join(here, "../build/x402-gateway");
const ATTACK_SECONDS = Number(env.ATTACK_SECONDS || 30);
const FRESH_TIMEOUT_MS = Number(env.FRESH_TIMEOUT_MS || 2000);
const SMALL = JSON.stringify({ ok: 1, city: "Lisbon", temperature_c: 21 });

// The descriptor budget: this process's limit, less a margin for node itself and the fresh clients.
const limit = Number(execFileSync("bash", ["-c", "ulimit -n"], { encoding: "utf8" }).trim());
const budget = Math.max(0, limit - 500);
let IDLE = Number(env.IDLE || 10000), DRIP = Number(env.DRIP || 1000);
if (IDLE + DRIP > budget) {
  const scale = budget / (IDLE + DRIP);
  IDLE = Math.floor(IDLE * scale);
  DRIP = Math.floor(DRIP * scale);
}

const dir = mkdtempSync(join(tmpdir(), "x402gw-edge-bench-"));
chmodSync(dir, 0o755);
const log = (name) => join(dir, `${name}.log`);
const note = (...a) => console.error("edge-bench:", ...a);
const lines = [];
const out = (s = "") => { lines.push(s); console.log(s); };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
process.on("SIGINT", async () => { await stopAll(); process.exit(130); });

const descriptors = (pid) => family(pid).reduce((n, p) => { try { return n + readdirSync(`/proc/${p}/fd`).length; } catch { return n; } }, 0);

/** One fresh client: connect, GET /small, read the answer; ms, or null when not served in time. */
function fresh(port) {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const s = net.connect(port, "127.0.0.1");
    let data = "";
    const done = (ok) => { clearTimeout(timer); s.destroy(); resolve(ok ? Number(process.hrtime.bigint() - t0) / 1e6 : null); };
    const timer = setTimeout(() => done(false), FRESH_TIMEOUT_MS);
    s.on("connect", () => s.write("GET /small HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n"));
    s.on("data", (d) => { data += d; if (/^HTTP\/1\.1 200/.test(data) && data.includes(SMALL)) done(true); });
    s.on("error", () => done(false));
    s.on("close", () => done(/^HTTP\/1\.1 200/.test(data)));
  });
}

/** Opens `count` keep-alive connections that each make one request, then stay idle. */
async function openIdle(port, count) {
  const sockets = [];
  const one = () => new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    s.on("error", () => {});
    s.once("connect", () => s.write("GET /small HTTP/1.1\r\nHost: bench\r\n\r\n"));
    s.once("data", () => resolve(s));
    s.once("close", () => resolve(s));
  });
  for (let done = 0; done < count;) {
    const batch = Math.min(250, count - done);
    sockets.push(...(await Promise.all(Array.from({ length: batch }, one))));
    done += batch;
  }
  return sockets;
}

/** Opens `count` slow clients that send one byte a second: a header that never ends, or a body. */
function openDrip(port, count) {
  const clients = [];
  for (let i = 0; i < count; ++i) {
    const body = i % 2 === 1;
    const s = net.connect(port, "127.0.0.1");
    s.on("error", () => {});
    const c = { s, body, answered: false };
    s.on("data", () => { c.answered = true; });
    s.once("connect", () => s.write(body ? "POST /small HTTP/1.1\r\nHost: bench\r\nContent-Length: 4096\r\n\r\n" : "GET /small HTTP/1.1\r\nHost: bench\r\nX-Drip: "));
    clients.push(c);
  }
  const timer = setInterval(() => { for (const c of clients) if (!c.s.destroyed && c.s.writable) c.s.write("a"); }, 1000);
  return { clients, stop: () => clearInterval(timer) };
}

/** Connections the upstream nginx holds open (its stub_status), less the status request's own. */
function upstreamActive(port) {
  return new Promise((resolve) => {
    http.get({ host: "127.0.0.1", port, path: "/status", agent: false }, (res) => {
      let text = "";
      res.on("data", (d) => { text += d; });
      res.on("end", () => { const m = /Active connections:\s*(\d+)/.exec(text); resolve(m ? Number(m[1]) - 1 : NaN); });
    }).on("error", () => resolve(NaN));
  });
}

const open = (sockets) => sockets.filter((s) => !s.destroyed).length;

async function attack(name, proc, port) {
  for (let i = 0; i < 3; ++i) await fresh(port);  // warm
  const before = { rss: rssKiB(proc.pid), fds: descriptors(proc.pid), fresh: await fresh(port) };
  const t0 = Date.now();
  const idle = await openIdle(port, IDLE);
  const idleSeconds = (Date.now() - t0) / 1000;
  const drip = openDrip(port, DRIP);
  const samples = [];
  const marks = [];
  for (let second = 1; second <= ATTACK_SECONDS; ++second) {
    const tick = sleep(1000);
    samples.push(await fresh(port));
    await tick;
    if (second % 10 === 0 || second === ATTACK_SECONDS)
      marks.push({ second, rss: rssKiB(proc.pid), fds: descriptors(proc.pid), idle: open(idle), drip: open(drip.clients.map((c) => c.s)),
                   upstream: await upstreamActive(ports.upstream) });
  }
  drip.stop();
  const served = samples.filter((x) => x !== null).sort((a, b) => a - b);
  const p = (q) => (served.length ? served[Math.min(served.length - 1, Math.floor(q * served.length))].toFixed(1) : "-");
  const last = marks[marks.length - 1];
  const peak = Math.max(...marks.map((m) => m.rss));
  out(`| ${name} | ${before.rss} | ${peak} | ${before.fds} | ${Math.max(...marks.map((m) => m.fds))} | ${marks.map((m) => `${m.idle}/${m.drip}`).join(", ")} | ${marks.map((m) => m.upstream).join(", ")} | ${served.length}/${samples.length} | ${p(0.5)} | ${p(0.99)} | ${idleSeconds.toFixed(1)} |`);
  for (const s of idle) s.destroy();
  for (const c of drip.clients) c.s.destroy();
  await sleep(2000);
  return last;
}

const ports = { upstream: await freePort(), nginx: await freePort(), gateway: await freePort() };
const filesDir = join(dir, "files");
mkdirSync(filesDir);
const procs = {};
try {
  procs.upstream = await start("upstream", "nginx", ["-c", nginx.upstreamConf(dir, ports.upstream, filesDir, SMALL), "-p", dir, "-e", join(dir, "upstream.err")],
    { port: ports.upstream, log: log("upstream") });
  out(`### Edge: ${IDLE} idle connections and ${DRIP} slow-drip clients (descriptor limit ${limit})\n`);
  out(`${ATTACK_SECONDS} s of attack; a fresh \`GET /small\` every second, served within ${FRESH_TIMEOUT_MS} ms or counted as not served.`);
  out("Open attackers are counted from the client side (idle/drip still connected at 10 s, 20 s, ... of the attack);");
  out("upstream conns held: connections the upstream nginx has open at the same moments.\n");
  out("| system | RSS before KiB | RSS peak KiB | fds before | fds peak | idle/drip still open | upstream conns held | fresh served | fresh p50 ms | fresh p99 ms | idle opened in s |");
  out("|---|---|---|---|---|---|---|---|---|---|---|");

  procs.nginx = await start("nginx", "nginx", ["-c", nginx.proxyConf(dir, ports.nginx, ports.upstream), "-p", dir, "-e", join(dir, "nginx.err")],
    { port: ports.nginx, log: log("nginx") });
  await attack("nginx 1 worker (defaults: client_header_timeout 60s, client_body_timeout 60s)", procs.nginx, ports.nginx);
  await stop(procs.nginx);

  const file = join(dir, "gateway.yaml");
  // max_connections above the crowd, as nginx's worker_connections is: the question is what the
  // crowd costs, not whether the limit refuses it. Other timeouts are the defaults.
  writeFileSync(file, `listen: "127.0.0.1:${ports.gateway}"
threads: 1
access_log: off
discovery: false
limits: { challenges_per_second: 0, max_connections: ${IDLE + DRIP + 1000} }
upstreams:
  api: { url: "http://127.0.0.1:${ports.upstream}" }
routes:
  - { match: "/*" }
`);
  procs.gateway = await start("gateway", GATEWAY, ["--config", file], { port: ports.gateway, log: log("gateway") });
  await attack("x402-gateway threads: 1 (defaults: request_header 10s, body_io 30s)", procs.gateway, ports.gateway);
  await stop(procs.gateway);
} finally {
  await stopAll();
}
out(`\nLogs and configurations: ${dir}`);
if (env.OUT) writeFileSync(env.OUT, lines.join("\n") + "\n");
