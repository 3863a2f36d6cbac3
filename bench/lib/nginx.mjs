// nginx configurations for the benchmark: the shared upstream, the reverse proxy the gateway is
// compared with, a static 402 responder, and the fixed-answer facilitator. Each runs with ONE
// worker process (worker_processes auto would start one per core, whatever taskset says).
import { writeFileSync } from "node:fs";
import { join } from "node:path";

function main(dir, name, http, workers = 1) {
  return `worker_processes ${workers};
daemon off;
pid ${join(dir, name)}.pid;
error_log ${join(dir, name)}.err warn;
events { worker_connections 16384; }
http {
  access_log off;
  keepalive_requests 10000000;
  keepalive_timeout 120s;
  default_type application/octet-stream;
${http}
}
`;
}

/** Writes `${name}.conf` into `dir` and returns its path. */
function write(dir, name, http, workers = 1) {
  const path = join(dir, `${name}.conf`);
  writeFileSync(path, main(dir, name, http, workers));
  return path;
}

/** The upstream every system forwards to: /small (~100 B JSON), /16k and /1m files, /status. */
export function upstreamConf(dir, port, filesDir, smallBody) {
  return write(dir, "upstream", `  server {
    listen 127.0.0.1:${port};
    root ${filesDir};
    location = /small { default_type application/json; return 200 '${smallBody}'; }
    location = /paid/small { default_type application/json; return 200 '${smallBody}'; }
    location = /status { stub_status; }
  }`);
}

/** nginx as a keep-alive reverse proxy in front of the upstream (what the gateway replaces). */
export function proxyConf(dir, port, upstreamPort, { name = "proxy", workers = 1 } = {}) {
  return write(dir, name, `  upstream backend { server 127.0.0.1:${upstreamPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering on;
    }
  }`, workers);
}

/** nginx terminating TLS (1.2 and 1.3, tickets on) in front of the same upstream, with keep-alive. */
export function tlsProxyConf(dir, port, upstreamPort, certFile, keyFile) {
  return write(dir, "tlsproxy", `  upstream backend { server 127.0.0.1:${upstreamPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${certFile};
    ssl_certificate_key ${keyFile};
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_tickets on;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering on;
    }
  }`);
}

/**
 * nginx answering every request with the gateway's own 402: the same body (from a file, so that
 * nothing in it is read as an nginx variable) and the same PAYMENT-REQUIRED header.
 */
export function static402Conf(dir, port, bodyFile, paymentRequired) {
  return write(dir, "static402", `  server {
    listen 127.0.0.1:${port};
    add_header PAYMENT-REQUIRED "${paymentRequired}" always;
    add_header Cache-Control "no-store" always;
    error_page 402 /402.json;
    location / { return 402; }
    location = /402.json { internal; default_type application/json; alias ${bodyFile}; }
  }`);
}

/**
 * The facilitator fixture: /verify and /settle answer at once with a valid verification and a
 * successful settlement (v2 network names at the root, v1 names under /v1), /supported lists both.
 */
export function facilitatorConf(dir, port, payer) {
  const tx = "0x" + "ab".repeat(32);
  const verify = JSON.stringify({ isValid: true, payer });
  const settle = (network) => JSON.stringify({ success: true, transaction: tx, network, payer });
  const supported = JSON.stringify({
    kinds: [
      { x402Version: 2, scheme: "exact", network: "eip155:84532" },
      { x402Version: 1, scheme: "exact", network: "base-sepolia" },
    ],
    extensions: [],
    signers: {},
  });
  return write(dir, "facilitator", `  server {
    listen 127.0.0.1:${port};
    default_type application/json;
    location = /verify { return 200 '${verify}'; }
    location = /settle { return 200 '${settle("eip155:84532")}'; }
    location = /v1/verify { return 200 '${verify}'; }
    location = /v1/settle { return 200 '${settle("base-sepolia")}'; }
    location = /supported { return 200 '${supported}'; }
    location = /v1/supported { return 200 '${supported}'; }
    location = /status { stub_status; }
  }`);
}

/** Parses nginx's stub_status page: accepted connections and requests served so far. */
export function parseStatus(text) {
  const m = text.match(/\n\s*(\d+)\s+(\d+)\s+(\d+)/);
  if (!m) throw new Error(`unexpected stub_status page: ${text}`);
  return { accepts: Number(m[1]), requests: Number(m[3]) };
}
