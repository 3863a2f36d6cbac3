// Instructions per paid request, counted by callgrind: deterministic where requests per second on a
// shared machine are not, so one change can be measured on its own. Starts the nginx upstream and
// facilitator fixtures of the suite, the gateway under callgrind, warms it up, zeroes the counters,
// sends REQUESTS paid requests (each with a fresh payment, CONCURRENCY at a time over keep-alive
// connections), dumps the counters and prints instructions per request.
//
// Usage: GATEWAY=build/x402-gateway REQUESTS=1000 VERSION=2 node bench/paid_instructions.mjs
// Writes callgrind.out.paid.<pid> into OUT_DIR (a temporary directory by default) for callgrind_annotate.
import { mkdtempSync, writeFileSync, readFileSync, readdirSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { execFileSync } from "node:child_process";
import http from "node:http";
import * as nginx from "./lib/nginx.mjs";
import { start, stopAll } from "./lib/processes.mjs";
import { deadPort as freePort, PAY_TO } from "../tests/support/gateway.mjs";
import { paymentTemplate, paymentFor, challengeOf, PAYER } from "./lib/payments.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const env = process.env;
const GATEWAY = env.GATEWAY || join(here, "../build/x402-gateway");
const REQUESTS = Number(env.REQUESTS || 1000);
const WARMUP = Number(env.WARMUP || 200);
const CONCURRENCY = Number(env.CONCURRENCY || 8);
const VERSION = Number(env.VERSION || 2);
const SMALL = JSON.stringify({ city: "Lisbon", temperature_c: 21, conditions: "sunny", observed_at: "2026-11-21T12:00:00Z", ok: 1 });

const dir = mkdtempSync(join(tmpdir(), "x402gw-callgrind-"));
chmodSync(dir, 0o755);
const outDir = env.OUT_DIR || dir;
const log = (name) => join(dir, `${name}.log`);

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
function get(port, path, headers = {}) {
  return new Promise((resolve, reject) => {
    http.get({ host: "127.0.0.1", port, path, headers, agent }, (res) => {
      let text = "";
      res.on("data", (d) => { text += d; });
      res.on("end", () => resolve({ status: res.statusCode, text, headers: res.headers }));
    }).on("error", reject);
  });
}

let nonce = 1;
async function paidRequests(port, template, count) {
  let next = 0, bad = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      const r = await get(port, "/paid/small", { [template.header]: paymentFor(template, nonce++) });
      if (r.status !== 200 || r.text !== SMALL) bad++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  if (bad) throw new Error(`${bad} paid requests were not served`);
}

process.on("SIGINT", async () => { await stopAll(); process.exit(130); });
try {
  const ports = {};
  for (const k of ["upstream", "facilitator", "gateway"]) ports[k] = await freePort();
  execFileSync("mkdir", ["-p", join(dir, "files")]);
  await start("upstream", "nginx", ["-c", nginx.upstreamConf(dir, ports.upstream, join(dir, "files"), SMALL), "-p", dir, "-e", join(dir, "upstream.err")], { port: ports.upstream, log: log("upstream") });
  await start("facilitator", "nginx", ["-c", nginx.facilitatorConf(dir, ports.facilitator, PAYER), "-p", dir, "-e", join(dir, "facilitator.err")], { port: ports.facilitator, log: log("facilitator") });
  const config = join(dir, "gateway.yaml");
  writeFileSync(config, `listen: "127.0.0.1:${ports.gateway}"
threads: 1
access_log: off
discovery: false
limits: { challenges_per_second: 0 }
upstreams:
  api: { url: "http://127.0.0.1:${ports.upstream}", max_idle_connections: 256 }
facilitators:
  fixture: { url: "http://127.0.0.1:${ports.facilitator}${VERSION === 1 ? "/v1" : ""}", max_idle_connections: 256 }
payment: { pay_to: "${PAY_TO}", network: base-sepolia, facilitator: fixture }
routes:
  - { match: "GET /paid/small", name: paid, price: "$0.01" }
  - { match: "/*", name: free }
`);
  const gw = await start("gateway", "valgrind", ["--tool=callgrind", `--callgrind-out-file=${join(outDir, "callgrind.out.paid.%p")}`,
    GATEWAY, "--config", config], { port: ports.gateway, log: log("gateway") });
  const { accepted, resource } = await challengeOf(`http://127.0.0.1:${ports.gateway}/paid/small`, VERSION);
  const template = paymentTemplate(VERSION, accepted, resource);
  await paidRequests(ports.gateway, template, WARMUP);
  execFileSync("callgrind_control", ["-z", String(gw.pid)]);
  await paidRequests(ports.gateway, template, REQUESTS);
  execFileSync("callgrind_control", ["-d", "measured", String(gw.pid)]);
  await new Promise((r) => setTimeout(r, 500));
  const dump = readdirSync(outDir).filter((f) => f.startsWith(`callgrind.out.paid.${gw.pid}.`)).map((f) => join(outDir, f)).sort().pop();
  const totals = readFileSync(dump, "utf8").match(/\n(?:summary|totals): (\d+)/);
  console.log(`${GATEWAY}: ${REQUESTS} paid v${VERSION} requests, ${Math.round(Number(totals[1]) / REQUESTS)} instructions per request (${dump})`);
} finally {
  agent.destroy();
  await stopAll();
}
