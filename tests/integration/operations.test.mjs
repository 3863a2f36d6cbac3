// Operating the gateway: metrics (promtool-clean, scraped by a real Prometheus), the access log,
// health and readiness, reload without dropping requests, graceful drain, discovery.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startGateway, startUpstream, startFacilitator, baseConfig, challenge, paymentHeader, decodeHeader, deadPort, BUYER } from "../support/gateway.mjs";

let upstream, facilitator;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "x402gw-ops-"));

before(async () => {
  upstream = await startUpstream((req, res) => {
    if (req.url.startsWith("/slow")) return setTimeout(() => res.end(JSON.stringify({ slow: true })), 1500);
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ ok: true }));
  });
  facilitator = await startFacilitator();
});

after(async () => {
  await upstream.close();
  await facilitator.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const routes = (price = "$0.01") => `  - match: "GET /api/weather"
    name: weather
    price: "${price}"
    description: "Current weather"
    input: { queryParams: { city: { type: string, required: true } } }
    output: { type: object, properties: { temperature_c: { type: number } } }
  - { match: "GET /slow", name: slow, price: "$0.01" }
  - { match: "/public/*", name: public }`;

const header = `name: "Weather API"
image: "https://example.com/logo.png"
description: "Weather for agents"
`;

async function waitFor(check, { ms = 10000, every = 100 } = {}) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, every));
  }
}

async function paidRequest(gw, pathname = "/api/weather", version = 2) {
  const c = await challenge(gw.url(pathname));
  return fetch(gw.url(pathname), { headers: { [version === 2 ? "PAYMENT-SIGNATURE" : "X-PAYMENT"]: paymentHeader(version, version === 2 ? c.v2 : c.v1) } });
}

test("metrics: the exposition passes promtool and counts requests, challenges, payments and revenue", async () => {
  const gw = await startGateway(baseConfig({ upstream: upstream.url, facilitator: facilitator.url, routes: routes() }));
  try {
    assert.equal((await paidRequest(gw)).status, 200);
    assert.equal((await paidRequest(gw, "/api/weather", 1)).status, 200);
    facilitator.script.verify = () => ({ body: { isValid: false, invalidReason: "insufficient_funds" } });
    assert.equal((await paidRequest(gw)).status, 402);
    facilitator.script.verify = undefined;
    assert.equal((await fetch(gw.url("/public/x"))).status, 200);

    const res = await fetch(gw.admin("/metrics"));
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type"), /text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const check = spawnSync("promtool", ["check", "metrics"], { input: text });
    assert.equal(check.status, 0, `promtool: ${check.stdout}${check.stderr}`);

    const value = (series) => {
      const line = text.split("\n").find((l) => l.startsWith(series + " "));
      return line === undefined ? undefined : Number(line.slice(series.length + 1));
    };
    assert.equal(value('x402gw_revenue_atomic_units_total{route="weather",network="eip155:84532",asset="USDC"}'), 20000);
    assert.equal(value('x402gw_payments_total{route="weather",network="eip155:84532",asset="USDC",outcome="settled"}'), 2);
    assert.equal(value('x402gw_payments_total{route="weather",network="eip155:84532",asset="USDC",outcome="verified"}'), 2);
    assert.equal(value('x402gw_payment_rejections_total{route="weather",reason="insufficient_funds"}'), 1);
    assert.equal(value('x402gw_challenges_total{route="weather"}'), 4);
    assert.equal(value('x402gw_requests_total{route="weather",method="GET",status="200"}'), 2);
    assert.equal(value('x402gw_requests_total{route="public",method="GET",status="200"}'), 1);
    assert.equal(value('x402gw_facilitator_request_duration_seconds_count{facilitator="f",endpoint="settle",outcome="ok"}'), 2);
    assert.ok(value('x402gw_upstream_request_duration_seconds_count{upstream="api"}') >= 3);
    assert.ok(value("x402gw_open_connections") >= 0);
    assert.equal(value("x402gw_in_flight_requests"), 0);
    assert.match(text, /x402gw_config_info\{hash="[0-9a-f]{16}"\} 1/);
    assert.doesNotMatch(text, new RegExp(BUYER, "i"), "no payer addresses in labels");
    // Limits: an oversized header (431) and body (413) are counted.
    await fetch(gw.url("/public/x"), { headers: { "X-Big": "x".repeat(20000) } }).catch(() => {});
    await fetch(gw.url("/public/x"), { method: "POST", body: "x".repeat(11 * 1024 * 1024) }).catch(() => {});
    const after = await (await fetch(gw.admin("/metrics"))).text();
    assert.match(after, /x402gw_limit_breaches_total\{limit="header"\} 1/);
    assert.match(after, /x402gw_limit_breaches_total\{limit="request_body"\} 1/);
    assert.doesNotMatch(text, /path=/, "no raw paths in labels");
  } finally {
    await gw.stop();
  }
});

test("a real Prometheus scrapes the gateway and finds the revenue series", async () => {
  const gw = await startGateway(baseConfig({ upstream: upstream.url, facilitator: facilitator.url, routes: routes() }));
  const port = await deadPort();
  const dir = fs.mkdtempSync(path.join(tmp, "prom-"));
  fs.writeFileSync(path.join(dir, "prometheus.yml"), `global: { scrape_interval: 1s, evaluation_interval: 1s }
scrape_configs:
  - job_name: x402-gateway
    static_configs: [{ targets: ["127.0.0.1:${gw.adminPort}"] }]
`);
  const prom = spawn("prometheus", [`--config.file=${path.join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${path.join(dir, "data")}`,
    `--web.listen-address=127.0.0.1:${port}`, "--log.level=warn"], { stdio: "ignore" });
  try {
    assert.equal((await paidRequest(gw)).status, 200);
    const found = await waitFor(async () => {
      try {
        const r = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent('x402gw_revenue_atomic_units_total{route="weather"}')}`);
        const body = await r.json();
        return body.data?.result?.length ? body.data.result : undefined;
      } catch { return undefined; }
    }, { ms: 30000, every: 500 });
    assert.equal(found[0].metric.network, "eip155:84532");
    assert.equal(found[0].metric.job, "x402-gateway");
    assert.equal(Number(found[0].value[1]), 10000);
  } finally {
    prom.kill("SIGTERM");
    await new Promise((r) => prom.once("exit", r));
    await gw.stop();
  }
});

test("access log: one JSON line per request to a file, with the payment's facts and no secrets", async () => {
  const file = path.join(tmp, "access.log");
  const gw = await startGateway(baseConfig({
    upstream: upstream.url, facilitator: facilitator.url, routes: routes(),
    extra: `access_log: "${file}"`, facilitatorExtra: `, headers: { Authorization: "Bearer s3cret-token" }`,
  }));
  let sent;
  try {
    const c = await challenge(gw.url("/api/weather?city=Oslo"));
    sent = paymentHeader(2, c.v2);
    assert.equal((await fetch(gw.url("/api/weather?city=Oslo"), { headers: { "PAYMENT-SIGNATURE": sent } })).status, 200);
  } finally {
    await gw.stop();
  }
  assert.equal(facilitator.calls.at(-1).headers.authorization, "Bearer s3cret-token");
  const text = fs.readFileSync(file, "utf8");
  const lines = text.trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(lines.length, 2);
  assert.equal(lines[0].status, 402);
  assert.equal(lines[0].payment, "challenged");
  const paid = lines[1];
  for (const key of ["time", "client", "method", "path", "route", "status", "bytes", "ms", "upstream_ms", "facilitator_ms", "payment", "payer", "amount", "network", "asset", "transaction"])
    assert.ok(key in paid, key);
  assert.equal(paid.path, "/api/weather");
  assert.equal(paid.route, "weather");
  assert.equal(paid.payment, "settled");
  assert.equal(paid.amount, "10000");
  assert.equal(paid.payer, BUYER);
  assert.ok(paid.facilitator_ms > 0);
  assert.ok(!text.includes(sent.slice(0, 40)), "never the payment header");
  assert.ok(!text.includes("s3cret"), "never a secret");
});

test("readiness: 200 when every facilitator lists what the routes need, 503 with the reason otherwise", async () => {
  const gw = await startGateway(baseConfig({ upstream: upstream.url, facilitator: facilitator.url, routes: routes() }));
  try {
    assert.equal((await fetch(gw.admin("/healthz"))).status, 200);
    const ready = await waitFor(async () => { const r = await fetch(gw.admin("/readyz")); return r.status === 200 ? r.json() : undefined; });
    assert.equal(ready.status, "ready");
    assert.match(ready.config_hash, /^[0-9a-f]{16}$/);
  } finally {
    await gw.stop();
  }

  const limited = await startFacilitator({ supported: () => ({ body: { kinds: [{ x402Version: 2, scheme: "exact", network: "eip155:8453" }] } }) });
  const gw2 = await startGateway(baseConfig({ upstream: upstream.url, facilitator: limited.url, routes: routes() }));
  try {
    const body = await waitFor(async () => { const r = await fetch(gw2.admin("/readyz")); const b = await r.json(); return r.status === 503 && b.reasons?.[0]?.includes("route") ? b : undefined; });
    assert.match(body.reasons.join("\n"), /route 'weather' accepts exact on eip155:84532, which facilitator 'f' does not list/);
    await waitFor(() => /"msg":"not ready".*route 'weather'/.test(gw2.stderr()));
  } finally {
    await gw2.stop();
    await limited.close();
  }

  const gw3 = await startGateway(baseConfig({ upstream: upstream.url, facilitator: `http://127.0.0.1:${await deadPort()}`, routes: routes() }));
  try {
    const body = await waitFor(async () => { const r = await fetch(gw3.admin("/readyz")); const b = await r.json(); return b.reasons?.[0]?.includes("facilitator 'f'") ? b : undefined; });
    assert.match(body.reasons[0], /cannot connect/);
  } finally {
    await gw3.stop();
  }
});

test("reload: SIGHUP and POST /admin/reload swap a valid file in; an invalid one is refused and the old one serves", async () => {
  const gw = await startGateway(baseConfig({ upstream: upstream.url, facilitator: facilitator.url, routes: routes("$0.01") }));
  try {
    assert.equal((await challenge(gw.url("/api/weather"))).v2.amount, "10000");
    fs.writeFileSync(gw.configPath, baseConfig({ upstream: upstream.url, facilitator: facilitator.url, routes: routes("$0.02") }));
    gw.signal("SIGHUP");
    await waitFor(async () => (await challenge(gw.url("/api/weather"))).v2.amount === "20000");

    fs.writeFileSync(gw.configPath, baseConfig({ upstream: upstream.url, facilitator: facilitator.url, routes: routes("$0.03") }).replace("network: base-sepolia", "network: nowhere"));
    const refused = await fetch(gw.admin("/admin/reload"), { method: "POST" });
    assert.equal(refused.status, 422);
    assert.match((await refused.json()).message, /unknown network 'nowhere'/);
    assert.equal((await challenge(gw.url("/api/weather"))).v2.amount, "20000");
    gw.signal("SIGHUP");
    // The refused POST above logged one rejection already: wait for the signal's own.
    await waitFor(() => (gw.stderr().match(/reload rejected/g) || []).length === 2);

    fs.writeFileSync(gw.configPath, baseConfig({ upstream: upstream.url, facilitator: facilitator.url, routes: routes("$0.03") }));
    const ok = await fetch(gw.admin("/admin/reload"), { method: "POST" });
    assert.equal(ok.status, 200);
    assert.equal((await challenge(gw.url("/api/weather"))).v2.amount, "30000");
    const metrics = await (await fetch(gw.admin("/metrics"))).text();
    assert.match(metrics, /x402gw_config_reloads_total\{result="ok"\} 2/);
    assert.match(metrics, /x402gw_config_reloads_total\{result="failed"\} 2/);
    assert.equal((await fetch(gw.admin("/admin/reload"))).status, 405);
  } finally {
    await gw.stop();
  }
});

test("reload under load: zero failed requests", async () => {
  const gw = await startGateway(baseConfig({ upstream: upstream.url, facilitator: facilitator.url, routes: routes("$0.01") }));
  let stop = false;
  const failures = [];
  let done = 0;
  const worker = async () => {
    while (!stop) {
      try {
        const free = await fetch(gw.url("/public/x"));
        await free.arrayBuffer();
        if (free.status !== 200) failures.push(`free ${free.status}`);
        const paid = await fetch(gw.url("/api/weather"));
        await paid.arrayBuffer();
        if (paid.status !== 402) failures.push(`challenge ${paid.status}`);
        done += 2;
      } catch (e) {
        failures.push(String(e.cause || e));
      }
    }
  };
  const workers = Array.from({ length: 8 }, worker);
  try {
    for (let i = 0; i < 10; i++) {
      await new Promise((r) => setTimeout(r, 100));
      fs.writeFileSync(gw.configPath, baseConfig({ upstream: upstream.url, facilitator: facilitator.url, routes: routes(i % 2 ? "$0.01" : "$0.02") }));
      gw.signal("SIGHUP");
    }
    await new Promise((r) => setTimeout(r, 200));
  } finally {
    stop = true;
    await Promise.all(workers);
    await gw.stop();
  }
  assert.deepEqual(failures, []);
  assert.ok(done > 100, `only ${done} requests ran`);
  assert.equal((gw.stderr().match(/configuration reloaded/g) || []).length, 10);
});

test("drain: SIGTERM lets an in-flight paid request finish and settle, then exits 0", async () => {
  const gw = await startGateway(baseConfig({ upstream: upstream.url, facilitator: facilitator.url, routes: routes() }));
  facilitator.calls.length = 0;
  const c = await challenge(gw.url("/slow"));
  const inflight = fetch(gw.url("/slow"), { headers: { "PAYMENT-SIGNATURE": paymentHeader(2, c.v2) } });
  await waitFor(() => facilitator.calls.some((x) => x.endpoint === "verify"));
  await new Promise((r) => setTimeout(r, 200));
  gw.signal("SIGTERM");
  await waitFor(() => /"msg":"draining"/.test(gw.stderr()));
  await assert.rejects(fetch(gw.url("/public/x")), "no new connections while draining");
  const res = await inflight;
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { slow: true });
  assert.equal(decodeHeader(res.headers.get("payment-response")).success, true);
  assert.deepEqual(facilitator.calls.map((x) => x.endpoint), ["verify", "settle"]);
  const exit = await gw.exited;
  assert.deepEqual(exit, { code: 0, signal: null });
  assert.match(gw.stderr(), /"msg":"stopped".*"unfinished":0/);
});

test("discovery: GET /.well-known/x402 lists every priced route with its accepts and schemas", async () => {
  const gw = await startGateway(baseConfig({ upstream: upstream.url, facilitator: facilitator.url, routes: routes(), extra: header }));
  try {
    const res = await fetch(gw.url("/.well-known/x402"));
    assert.equal(res.status, 200);
    const doc = await res.json();
    assert.equal(doc.version, 1);
    assert.equal(doc.name, "Weather API");
    assert.equal(doc.image, "https://example.com/logo.png");
    assert.deepEqual(doc.resources, [gw.url("/api/weather"), gw.url("/slow")]);
    const weather = doc.items[0];
    assert.equal(weather.method, "GET");
    assert.equal(weather.description, "Current weather");
    assert.equal(weather.mimeType, "application/json");
    assert.deepEqual(weather.accepts, [(await challenge(gw.url("/api/weather"))).v2], "the same requirements as the 402");
    assert.deepEqual(weather.outputSchema.input, { type: "http", method: "GET", discoverable: true, queryParams: { city: { type: "string", required: true } } });
    assert.deepEqual(weather.outputSchema.output, { type: "object", properties: { temperature_c: { type: "number" } } });
    assert.equal(upstream.requests.filter((r) => r.url.includes("well-known")).length, 0);
  } finally {
    await gw.stop();
  }
});
