// A/B of gateway binaries on the paid path, interleaved in one run: each binary pinned alone on
// CPU 0 with one worker, wrk, the nginx upstream and the facilitator fixture on CPU 1, a fresh
// payment on every request (wrk/paid.lua). Prints req/s, p50, p99 and requests per CPU-second.
// Usage: node bench/paid_ab.mjs A_BINARY B_BINARY [C_BINARY ...]   (ROUNDS=3 SECONDS=5 CONNECTIONS=64)
import { mkdtempSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { execFileSync } from "node:child_process";
import * as nginx from "./lib/nginx.mjs";
import { wrk } from "./lib/wrk.mjs";
import { median, spread } from "./lib/stats.mjs";
import { start, stopAll, cpuSeconds } from "./lib/processes.mjs";
import { deadPort as freePort, PAY_TO } from "../tests/support/gateway.mjs";
import { paymentTemplate, challengeOf, PAYER } from "./lib/payments.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const ROUNDS = Number(process.env.ROUNDS || 3), SECONDS = Number(process.env.SECONDS || 5), CONNECTIONS = Number(process.env.CONNECTIONS || 64);
const SMALL = JSON.stringify({ city: "Lisbon", temperature_c: 21, conditions: "sunny", observed_at: "2026-11-21T12:00:00Z", ok: 1 });
const binaries = process.argv.slice(2);
const dir = mkdtempSync(join(tmpdir(), "x402gw-ab-"));
chmodSync(dir, 0o755);
process.on("SIGINT", async () => { await stopAll(); process.exit(130); });
try {
  const up = await freePort(), fac = await freePort();
  execFileSync("mkdir", ["-p", join(dir, "files")]);
  await start("upstream", "nginx", ["-c", nginx.upstreamConf(dir, up, join(dir, "files"), SMALL), "-p", dir, "-e", join(dir, "up.err")], { cpu: 1, port: up, log: join(dir, "up.log") });
  await start("facilitator", "nginx", ["-c", nginx.facilitatorConf(dir, fac, PAYER), "-p", dir, "-e", join(dir, "fac.err")], { cpu: 1, port: fac, log: join(dir, "fac.log") });
  const systems = [];
  for (const [i, bin] of binaries.entries()) {
    const port = await freePort();
    const config = join(dir, `gw${i}.yaml`);
    writeFileSync(config, `listen: "127.0.0.1:${port}"\nthreads: 1\naccess_log: off\ndiscovery: false\nlimits: { challenges_per_second: 0 }\n` +
      `upstreams:\n  api: { url: "http://127.0.0.1:${up}", max_idle_connections: 256 }\n` +
      `facilitators:\n  fixture: { url: "http://127.0.0.1:${fac}", max_idle_connections: 256 }\n` +
      `payment: { pay_to: "${PAY_TO}", network: base-sepolia, facilitator: fixture }\n` +
      `routes:\n  - { match: "GET /paid/small", name: paid, price: "$0.01" }\n  - { match: "/*", name: free }\n`);
    const proc = await start(`gw${i}`, bin, ["--config", config], { cpu: 0, port, log: join(dir, `gw${i}.log`) });
    const { accepted, resource } = await challengeOf(`http://127.0.0.1:${port}/paid/small`, 2);
    systems.push({ name: bin, port, proc, payment: paymentTemplate(2, accepted, resource), samples: [] });
  }
  let nonce = 1;
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < systems.length; k++) {
      const s = systems[(k + round) % systems.length];
      const before = cpuSeconds(s.proc.pid);
      const r = await wrk({ url: `http://127.0.0.1:${s.port}/paid/small`, connections: CONNECTIONS, seconds: SECONDS, cpu: 1,
        script: join(here, "wrk/paid.lua"), args: [s.payment.header, s.payment.prefix, s.payment.suffix, String(nonce)] });
      nonce += 100_000_000;
      r.perCpuSecond = r.requests / (cpuSeconds(s.proc.pid) - before);
      if (r.non2xx || r.errors) console.error(`${s.name}: ${r.non2xx} non-2xx, ${r.errors} errors`);
      s.samples.push(r);
    }
  }
  console.log("| binary | req/s median (min-max) | p50 ms | p99 ms | req per CPU-second |\n|---|---|---|---|---|");
  for (const s of systems) {
    const c = (k) => s.samples.map((x) => x[k]);
    console.log(`| ${s.name} | ${spread(c("rps"))} | ${spread(c("p50"), 2)} | ${spread(c("p99"), 2)} | ${spread(c("perCpuSecond"))} |`);
  }
} finally {
  await stopAll();
}
