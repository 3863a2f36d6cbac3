// Resident memory after paid load: sends N paid requests (a fresh payment each, fixture
// facilitator) to the gateway and reads its RSS (VmRSS) before and after, and the store's gauges,
// so the bytes per remembered payment are (RSS after - RSS before) / N.
// Usage: node bench/paid_memory.mjs [N=20000] [CONCURRENCY=16]   (X402GW_BIN: the binary; EXTRA_STATE: YAML under state:)
import fs from "node:fs";
import http from "node:http";
import { startGateway, startUpstream, startFacilitator, baseConfig, challenge, paymentHeader } from "../tests/support/gateway.mjs";

const N = Number(process.argv[2] || 20000);
const CONCURRENCY = Number(process.argv[3] || 16);
const rss = (pid) => Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))[1]) * 1024;
const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
function get(url, headers) {
  return new Promise((resolve, reject) => {
    http.get(url, { agent, headers }, (res) => { res.resume(); res.on("end", () => resolve(res.statusCode)); }).on("error", reject);
  });
}

const upstream = await startUpstream((req, res) => res.end("{\"ok\":true}"));
const facilitator = await startFacilitator();
const extra = process.env.EXTRA_STATE ? `state:\n${process.env.EXTRA_STATE}\n` : "";
const gw = await startGateway(baseConfig({ upstream: upstream.url, facilitator: facilitator.url, routes: `  - { match: "GET /paid", price: "$0.01" }`, extra }));
try {
  const c = await challenge(gw.url("/paid"));
  await get(gw.url("/paid"), { "PAYMENT-SIGNATURE": paymentHeader(2, c.v2) });
  const before = rss(gw.pid);
  let next = 0;
  const statuses = {};
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < N) {
      const i = next++;
      const s = await get(gw.url("/paid"), { "PAYMENT-SIGNATURE": paymentHeader(2, c.v2, { nonce: (i + 1).toString(16).padStart(64, "0") }) });
      statuses[s] = (statuses[s] || 0) + 1;
      if (i % 1000 === 0) facilitator.calls.length = 0;  // the fixture's own record, not the gateway's
    }
  }));
  const after = rss(gw.pid);
  const metrics = await (await fetch(gw.admin("/metrics"))).text();
  const store = metrics.split("\n").filter((l) => /^x402gw_(replay_store|payment_state)/.test(l));
  console.log(JSON.stringify({ payments: N, statuses, rss_before_mib: +(before / 2 ** 20).toFixed(1), rss_after_mib: +(after / 2 ** 20).toFixed(1),
    bytes_per_payment: Math.round((after - before) / N), store }, null, 1));
} finally {
  await gw.stop();
  await upstream.close();
  await facilitator.close();
  agent.destroy();
}
