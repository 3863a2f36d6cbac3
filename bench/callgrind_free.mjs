// Instructions and allocator calls per request on the free path and the challenge path, counted by
// callgrind: repeatable on a loaded machine where requests per second are not, so one change can be
// measured on its own (A/B: run it on two binaries).
//
// Starts the suite's nginx upstream (GET /small answers ~100 B of JSON), the gateway under callgrind
// (one worker, access log off, a catch-all free route and one priced route), warms it up, zeroes the
// counters, sends REQUESTS keep-alive requests (CONCURRENCY at a time), dumps the counters and prints
// per request: instructions, allocations (calls into malloc/calloc/realloc/operator new/aligned
// allocation from outside the allocator) and frees (free/operator delete).
//
// Usage: node bench/callgrind_free.mjs [GATEWAY_BINARY]
//   env: KIND=free|challenge|both (both), REQUESTS=2000, WARMUP=300, CONCURRENCY=8, OUT_DIR=<dir>
//        TOP=20: also print the top inclusive items of the dump (callgrind_annotate --inclusive=yes)
// Writes callgrind.out.<kind>.<pid>.* into OUT_DIR (a temporary directory by default).
import { mkdtempSync, writeFileSync, readFileSync, readdirSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { execFileSync } from "node:child_process";
import http from "node:http";
import * as nginx from "./lib/nginx.mjs";
import { start, stop, stopAll } from "./lib/processes.mjs";
import { deadPort as freePort, PAY_TO } from "../tests/support/gateway.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const env = process.env;
const GATEWAY = resolve(process.argv[2] || env.GATEWAY || join(here, "../build/x402-gateway"));
const KINDS = (env.KIND || "both") === "both" ? ["free", "challenge"] : [env.KIND];
const REQUESTS = Number(env.REQUESTS || 2000);
const WARMUP = Number(env.WARMUP || 300);
const CONCURRENCY = Number(env.CONCURRENCY || 8);
const TOP = Number(env.TOP || 0);
const SMALL = JSON.stringify({ city: "Lisbon", temperature_c: 21, conditions: "sunny", observed_at: "2026-11-21T12:00:00Z", ok: 1 });
const PATHS = { free: { path: "/small", status: 200, body: SMALL }, challenge: { path: "/paid/small", status: 402 } };

const dir = mkdtempSync(join(tmpdir(), "x402gw-callgrind-"));
chmodSync(dir, 0o755);
const outDir = env.OUT_DIR || dir;
const log = (name) => join(dir, `${name}.log`);

let agent;
function get(port, path) {
  return new Promise((resolve, reject) => {
    http.get({ host: "127.0.0.1", port, path, agent }, (res) => {
      let text = "";
      res.on("data", (d) => { text += d; });
      res.on("end", () => resolve({ status: res.statusCode, text }));
    }).on("error", reject);
  });
}

async function requests(port, kind, count) {
  const want = PATHS[kind];
  let next = 0, bad = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      const r = await get(port, want.path);
      if (r.status !== want.status || (want.body !== undefined && r.text !== want.body)) bad++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  if (bad) throw new Error(`${bad} ${kind} requests were not answered as expected`);
}

// Calls into the allocator from outside it, read from the dump's call records. Function names are
// compressed ("(id) name" once, "(id)" after), one table for fn= and cfn=.
const ALLOC = /^(malloc|calloc|realloc|aligned_alloc|posix_memalign|memalign|operator new(\[\])?\(.*)$/;
const FREE = /^(free|operator delete(\[\])?\(.*)$/;
function allocatorCalls(file) {
  const names = new Map();
  const name = (ref) => {
    const m = ref.match(/^\((\d+)\)(?: (.*))?$/);
    if (!m) return ref;
    if (m[2] !== undefined) names.set(m[1], m[2]);
    return names.get(m[1]);
  };
  let current = "", callee = null, allocs = 0, frees = 0;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (line.startsWith("fn=")) { current = name(line.slice(3)); callee = null; }
    else if (line.startsWith("cfn=")) callee = name(line.slice(4));
    else if (line.startsWith("calls=") && callee !== null) {
      const n = Number(line.slice(6).split(" ")[0]);
      const inside = ALLOC.test(current) || FREE.test(current);
      if (!inside && ALLOC.test(callee)) allocs += n;
      if (!inside && FREE.test(callee)) frees += n;
      callee = null;
    }
  }
  return { allocs, frees };
}

async function measure(kind, ports, config) {
  const prefix = `callgrind.out.${kind}`;
  const gw = await start(`gateway-${kind}`, "valgrind", ["--tool=callgrind", `--callgrind-out-file=${join(outDir, `${prefix}.%p`)}`,
    GATEWAY, "--config", config], { port: ports.gateway, log: log(`gateway-${kind}`) });
  try {
    agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    await requests(ports.gateway, kind, WARMUP);
    execFileSync("callgrind_control", ["-z", String(gw.pid)], { stdio: "pipe" });
    await requests(ports.gateway, kind, REQUESTS);
    execFileSync("callgrind_control", ["-d", "measured", String(gw.pid)], { stdio: "pipe" });
    await new Promise((r) => setTimeout(r, 500));
    const dump = readdirSync(outDir).filter((f) => f.startsWith(`${prefix}.${gw.pid}.`)).map((f) => join(outDir, f)).sort().pop();
    const totals = readFileSync(dump, "utf8").match(/\n(?:summary|totals): (\d+)/);
    const { allocs, frees } = allocatorCalls(dump);
    const per = (n) => (n / REQUESTS).toFixed(2);
    console.log(`${kind}: ${GATEWAY}: ${REQUESTS} requests x${CONCURRENCY}: ${Math.round(Number(totals[1]) / REQUESTS)} instructions, ` +
      `${per(allocs)} allocations, ${per(frees)} frees per request (${dump})`);
    if (TOP) {
      const text = execFileSync("callgrind_annotate", ["--inclusive=yes", `--threshold=99`, dump], { encoding: "utf8", maxBuffer: 64 << 20 });
      console.log(text.split("\n").filter((l) => /^\s*[\d,]+ \(/.test(l)).slice(0, TOP).join("\n"));
    }
  } finally {
    agent.destroy();
    await stop(gw);
  }
}

process.on("SIGINT", async () => { await stopAll(); process.exit(130); });
try {
  const ports = {};
  for (const k of ["upstream", "gateway"]) ports[k] = await freePort();
  execFileSync("mkdir", ["-p", join(dir, "files")]);
  await start("upstream", "nginx", ["-c", nginx.upstreamConf(dir, ports.upstream, join(dir, "files"), SMALL), "-p", dir, "-e", join(dir, "upstream.err")], { port: ports.upstream, log: log("upstream") });
  const config = join(dir, "gateway.yaml");
  writeFileSync(config, `listen: "127.0.0.1:${ports.gateway}"
threads: 1
access_log: off
discovery: false
limits: { challenges_per_second: 0 }
upstreams:
  api: { url: "http://127.0.0.1:${ports.upstream}", max_idle_connections: 256 }
facilitators:
  fixture: { url: "http://127.0.0.1:${ports.upstream}/facilitator" }
payment: { pay_to: "${PAY_TO}", network: base-sepolia, facilitator: fixture }
routes:
  - { match: "GET /paid/small", name: paid, price: "$0.01" }
  - { match: "/*", name: free }
`);
  for (const kind of KINDS) await measure(kind, ports, config);
} finally {
  await stopAll();
}
