// Issue 23, idle memory: an idle keep-alive connection holds at most 2 KiB of the gateway's
// resident memory (it held about 3-4 KiB: two coroutine frames, a read watchdog's timer, the
// pending read). Connections each serve one request, then stay open and idle while the gateway's
// VmRSS is read (jemalloc told to return freed pages at once, so that the figure is steady).
// Skipped under the sanitizers, whose allocator measures itself.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startGateway, startUpstream, PAY_TO } from "../support/gateway.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const holderScript = path.resolve(here, "../../bench/lib/idle-holder.mjs");
const COUNT = 3000;
const rssKiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))[1]);
const sanitized = (pid) => /lib(a|ub|t)san/.test(fs.readFileSync(`/proc/${pid}/maps`, "utf8"));

// Holds `count` connections (each served one request) until released. The holder raises its own
// open-files limit as far as the hard limit allows.
async function hold(port, count) {
  const holder = spawn("bash", ["-c", `ulimit -n $(ulimit -Hn); exec node "${holderScript}" ${port} ${count} /small`],
                       { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise((resolve, reject) => {
    holder.stdout.on("data", (d) => { if (String(d).includes("ready")) resolve(); });
    holder.on("exit", (code) => reject(new Error(`idle holder exited with ${code}`)));
  });
  return async () => {
    holder.kill("SIGTERM");
    await new Promise((r) => holder.once("exit", r));
  };
}

test("an idle keep-alive connection holds at most 2 KiB resident", async (t) => {
  const upstream = await startUpstream();
  const gw = await startGateway(`listen: "127.0.0.1:0"
threads: 1
access_log: off
discovery: false
limits: { challenges_per_second: 0, max_connections: ${COUNT + 500} }
timeouts: { keep_alive: 300s, request_header: 300s }
upstreams:
  api: { url: "${upstream.url}" }
payment: { pay_to: "${PAY_TO}", network: base-sepolia, facilitator: f }
facilitators:
  f: { url: "http://127.0.0.1:9" }
routes:
  - { match: "/*", name: free }
`, { env: { MALLOC_CONF: "dirty_decay_ms:0,muzzy_decay_ms:0" } });  // freed pages leave RSS at once: a steady figure
  try {
    if (sanitized(gw.pid)) return t.skip("the sanitizers' allocator is not the one measured");
    // A first round warms the allocator and the worker's pools, as a running gateway's are.
    await (await hold(gw.port, 500))();
    await new Promise((r) => setTimeout(r, 300));
    const before = rssKiB(gw.pid);
    const release = await hold(gw.port, COUNT);
    await new Promise((r) => setTimeout(r, 500));
    const held = rssKiB(gw.pid);
    await release();
    const perConnection = (held - before) / COUNT;
    t.diagnostic(`${perConnection.toFixed(2)} KiB per idle connection`);
    assert.ok(perConnection <= 2, `${perConnection.toFixed(2)} KiB per idle connection (RSS ${before} -> ${held} KiB)`);
  } finally {
    await gw.stop();
    await upstream.close();
  }
});
