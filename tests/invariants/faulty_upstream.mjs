// The upstream behind the gateway: it records every request it receives (which payment, which
// presentation, when it started and when it ended) and answers with a header naming the
// presentation, so a client can tell a fresh answer from a kept one. The query carries the fault:
//   p=<nonce>  q=<presentation id>  f=none|reset|5xx|slow|long  n=<body bytes>  o=<charge (upto)>
//   u=<tokens>: the JSON answer reports usage.total_tokens (upto with a meter)
// reset: the head and part of the body, then the connection is destroyed; 5xx: a 500; slow: past the
// api upstream's timeout; long: past the claim lease (the /long route's upstream waits longer).
import http from "node:http";
import { TIMING } from "./config.mjs";

export async function startFaultyUpstream({ note }) {
  const requests = [];  // { p, q, path, fault, start, end }
  const sockets = new Set();
  const timers = new Set();
  const wait = (ms) => new Promise((resolve) => { const t = setTimeout(() => { timers.delete(t); resolve(); }, ms); timers.add(t); });

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, "http://x");
    const p = url.searchParams.get("p") || "";
    const q = url.searchParams.get("q") || "";
    const fault = url.searchParams.get("f") || "none";
    const size = Math.min(Number(url.searchParams.get("n") || 64), 4 << 20);
    const record = { p, q, path: url.pathname, fault, start: Date.now(), end: 0 };
    requests.push(record);
    if (p) note(p, { what: `upstream: ${url.pathname} q=${q} (${fault}) started` });
    const ended = (how) => {
      if (record.end) return;
      record.end = Date.now();
      if (p) note(p, { what: `upstream: q=${q} ${how}` });
    };
    res.on("close", () => ended(res.writableFinished ? "answered" : "closed before its end"));
    if (fault === "slow") await wait(TIMING.upstreamTimeoutMs + 600);
    if (fault === "long") await wait(TIMING.claimLeaseMs * 2);
    if (res.destroyed) return ended("closed by the gateway");
    const headers = { "content-type": "application/json", "x-upstream-req": q, "x-upstream-payment": p };
    // o=<atomic units>: a metered answer names its charge (upto), also on a 500 (never settled).
    if (url.searchParams.has("o")) headers["settlement-overrides"] = JSON.stringify({ amount: url.searchParams.get("o") });
    if (fault === "5xx") {
      res.writeHead(500, headers);
      return res.end(JSON.stringify({ error: "upstream broke" }));
    }
    const usage = url.searchParams.has("u") ? `"usage":{"total_tokens":${Number(url.searchParams.get("u"))}},` : "";
    const body = Buffer.alloc(Math.max(size, usage ? 96 : 16), 0x61);
    body.write(`{"q":"${q}",${usage}"x":"`);
    body.write(`"}`, body.length - 2);
    if (fault === "reset") {
      res.writeHead(200, { ...headers, "content-length": String(body.length + 4096) });
      res.write(body.subarray(0, Math.min(body.length, 1024)));
      await wait(20);
      ended("reset mid-body");
      return req.socket.destroy();
    }
    res.writeHead(200, { ...headers, "content-length": String(body.length) });
    res.end(body);
  });
  server.on("connection", (s) => { sockets.add(s); s.on("close", () => sockets.delete(s)); });
  server.keepAliveTimeout = 30000;
  const port = await new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server.address().port)));
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
