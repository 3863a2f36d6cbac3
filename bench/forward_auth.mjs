// Forward-auth latency: what one auth subrequest to the gateway adds to a request through nginx.
// One run, side by side, one connection each (keep-alive), sequential requests to a free route:
//   direct        the upstream alone
//   nginx         nginx as a plain keep-alive reverse proxy (no auth)
//   nginx+auth    nginx running conf/forward-auth/nginx.conf: one auth_request to the gateway's
//                 forward_auth listener per request
//   gateway       the gateway as the reverse proxy
// The systems are interleaved round by round (this machine's speed drifts). Prints per-request
// latency (p50, p90, p99, in microseconds) per system, and nginx+auth less nginx. Figures, not a test.
// Environment: ROUNDS (5), REQUESTS per round and system (2000), GATEWAY (binary).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import http from "node:http";
import { fileURLToPath } from "node:url";
import { startGateway, startUpstream } from "../tests/support/gateway.mjs";
import { startNginx, RECIPES } from "../tests/support/proxies.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const ROUNDS = Number(process.env.ROUNDS || 5);
const REQUESTS = Number(process.env.REQUESTS || 2000);
const BODY = JSON.stringify({ ok: 1, city: "Lisbon", temperature_c: 21 });

const upstream = await startUpstream((req, res) => { res.setHeader("content-type", "application/json"); res.end(BODY); });
const gw = await startGateway(`listen:
  - "127.0.0.1:0"
  - { address: "127.0.0.1:0", mode: forward_auth }
threads: 1
access_log: "off"
trusted_proxies: [127.0.0.1]
upstreams: { api: "${upstream.url}" }
routes:
  - { match: "/*" }
`, { bin: process.env.GATEWAY || path.join(here, "../build/x402-gateway") });
const plainSite = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "x402gw-fa-bench-")), "plain.conf");
fs.writeFileSync(plainSite, `upstream api { server \${API_UPSTREAM}; keepalive 16; }
server {
  listen \${NGINX_LISTEN};
  location / { proxy_http_version 1.1; proxy_set_header Connection ""; proxy_pass http://api; }
}
`);
const vars = { API_UPSTREAM: `127.0.0.1:${upstream.port}`, X402_AUTH: `127.0.0.1:${gw.authPort}` };
const plain = await startNginx(plainSite, vars);
const withAuth = await startNginx(path.join(RECIPES, "nginx.conf"), vars);

const systems = {
  direct: upstream.port,
  nginx: plain.port,
  "nginx+auth": withAuth.port,
  gateway: gw.port,
};

// One keep-alive connection per system; each request waits for the previous one.
async function run(port, n) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const times = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await new Promise((resolve, reject) => {
      http.get({ host: "127.0.0.1", port, path: "/small", agent }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode} from port ${port}`));
        res.resume();
        res.on("end", resolve);
      }).on("error", reject);
    });
    times.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  agent.destroy();
  return times;
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const all = Object.fromEntries(Object.keys(systems).map((k) => [k, []]));
try {
  for (const [name, port] of Object.entries(systems)) await run(port, 200);  // warm-up
  const names = Object.keys(systems);
  for (let round = 0; round < ROUNDS; round++)
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + round) % names.length];
      all[name].push(...(await run(systems[name], REQUESTS)));
    }
  const rows = {};
  console.log(`forward-auth latency: ${ROUNDS} rounds x ${REQUESTS} sequential GET /small per system, one keep-alive connection, nginx 1 worker, gateway threads: 1`);
  console.log("system        p50 us   p90 us   p99 us");
  for (const name of names) {
    const sorted = all[name].slice().sort((a, b) => a - b);
    rows[name] = { p50: quantile(sorted, 0.5), p90: quantile(sorted, 0.9), p99: quantile(sorted, 0.99) };
    const r = rows[name];
    console.log(`${name.padEnd(12)} ${r.p50.toFixed(0).padStart(7)}  ${r.p90.toFixed(0).padStart(7)}  ${r.p99.toFixed(0).padStart(7)}`);
  }
  const added = (q) => (rows["nginx+auth"][q] - rows.nginx[q]).toFixed(0);
  console.log(`one auth subrequest adds (nginx+auth - nginx): p50 ${added("p50")} us, p90 ${added("p90")} us, p99 ${added("p99")} us`);
  console.log(`the gateway as reverse proxy vs nginx+auth, p50: ${rows.gateway.p50.toFixed(0)} us vs ${rows["nginx+auth"].p50.toFixed(0)} us`);
} finally {
  await withAuth.stop();
  await plain.stop();
  await gw.stop();
  await upstream.close();
  fs.rmSync(path.dirname(plainSite), { recursive: true, force: true });
}
