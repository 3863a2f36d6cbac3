// Resident memory of idle keep-alive connections, without the suite's nginx runs: the gateway
// (one worker) in front of a local upstream; COUNT connections each serve one request and are
// then held idle (bench/lib/idle-holder.mjs); prints the RSS delta per connection. Run it on two
// binaries for an A/B (RSS does not depend on the machine's load).
//
// Usage: node bench/idle_rss.mjs [GATEWAY_BINARY]   env: COUNT=5000
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startGateway, startUpstream, PAY_TO } from "../tests/support/gateway.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const bin = resolve(process.argv[2] || join(here, "../build/x402-gateway"));
const COUNT = Number(process.env.COUNT || 5000);
const rssKiB = (pid) => Number(readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+)/)[1]);

const upstream = await startUpstream();
const gw = await startGateway(`listen: "127.0.0.1:0"
threads: 1
access_log: off
discovery: false
limits: { challenges_per_second: 0, max_connections: ${COUNT + 1000} }
timeouts: { keep_alive: 300s, request_header: 300s }
upstreams:
  api: { url: "${upstream.url}" }
payment: { pay_to: "${PAY_TO}", network: base-sepolia, facilitator: f }
facilitators:
  f: { url: "http://127.0.0.1:9" }
routes:
  - { match: "/*", name: free }
`, { bin });
const pid = gw.pid;
const hold = async (count) => {
  const holder = spawn("node", [join(here, "lib/idle-holder.mjs"), String(gw.port), String(count), "/small"], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise((res, rej) => {
    holder.stdout.on("data", (d) => { if (String(d).includes("ready")) res(); });
    holder.on("exit", (code) => rej(new Error(`idle holder exited with ${code}`)));
  });
  return holder;
};
const release = async (holder) => { holder.kill("SIGTERM"); await new Promise((r) => holder.once("exit", r)); };
// A first round warms up the allocator's arenas and the worker's pools, as a running gateway's are.
await release(await hold(Math.min(COUNT, 1000)));
await new Promise((r) => setTimeout(r, 500));
const before = rssKiB(pid);
const holder = await hold(COUNT);
await new Promise((r) => setTimeout(r, 1000));
const held = rssKiB(pid);
await release(holder);
console.log(JSON.stringify({ binary: bin, connections: COUNT, rss_before_kib: before, rss_held_kib: held,
                             kib_per_connection: Number(((held - before) / COUNT).toFixed(2)) }));
await gw.stop();
await upstream.close();
