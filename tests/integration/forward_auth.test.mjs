// Forward-auth listeners over real sockets: the real gateway answers auth calls the way nginx,
// Caddy, Traefik and Envoy make them (scripted here), with a scripted facilitator behind it. The
// same gateway also runs a reverse-proxy listener, so that its answers can be compared byte for
// byte with the reverse proxy's.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startGateway, startUpstream, startFacilitator, paymentHeader, decodeHeader, BUYER, PAY_TO, resetRecorders, runGatewayCommand, writeConfig } from "../support/gateway.mjs";
import { startRedis } from "../support/redis.mjs";
import { waitFor } from "../support/raw.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const SECRET = "forward-auth-test-secret-0123456789";
let upstream, facilitator, gw;

const routes = `routes:
  - { match: "GET /api/weather", price: "$0.01", description: "Current weather" }
  - { match: "GET /api/pass", price: "$0.01", on_repeat: pass }
  - { match: "/free/*" }`;

function config({ limits = "challenges_per_second: 0", extra = "" } = {}) {
  return `listen:
  - "127.0.0.1:0"
  - { address: "127.0.0.1:0", mode: forward_auth }
admin_listen: "127.0.0.1:0"
threads: 2
trusted_proxies: [127.0.0.1]
forward_auth: { secret: "${SECRET}" }
limits: { ${limits} }
${extra}
upstreams:
  api: { url: "${upstream.url}" }
facilitators:
  f: { url: "${facilitator.url}", timeout: 1s }
payment:
  pay_to: "${PAY_TO}"
  network: base-sepolia
${routes}
`;
}

/** One HTTP exchange with the auth listener; `from` picks the local address (127.0.0.2 is not trusted). */
function call(g, target, headers = {}, { from = "127.0.0.1", method = "GET" } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port: g.authPort, path: target, method, headers, localAddress: from, agent: false }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** The headers Caddy and Traefik send for the original request `method uri` on `host`. */
const forwarded = (g, uri, extra = {}, method = "GET") => ({ "X-Forwarded-Method": method, "X-Forwarded-Uri": uri, "X-Forwarded-Host": `127.0.0.1:${g.port}`, "X-Forwarded-Proto": "http", ...extra });
/** The headers the nginx recipe sends. */
const original = (g, uri, extra = {}, method = "GET") => ({ "X-Original-Method": method, "X-Original-URI": uri, "X-Original-Host": `127.0.0.1:${g.port}`, "X-Forwarded-Proto": "http", ...extra });

async function metric(g, line) {
  const text = await (await fetch(g.admin("/metrics"))).text();
  const found = text.split("\n").find((l) => l.startsWith(line + " "));
  return found ? Number(found.split(" ").pop()) : 0;
}

const count = (endpoint, outcome) => `x402gw_forward_auth_total{endpoint="${endpoint}",outcome="${outcome}"}`;
const reset = (script) => resetRecorders(upstream, facilitator, script);
const calls = (endpoint) => facilitator.calls.filter((c) => c.endpoint === endpoint).length;

async function unpaid(g, uri) {
  const r = await call(g, "/auth", forwarded(g, uri));
  assert.equal(r.status, 402);
  return { v1: JSON.parse(r.body).accepts[0], v2: decodeHeader(r.headers["payment-required"]).accepts[0] };
}

const pay = (version, c) => ({ [version === 2 ? "PAYMENT-SIGNATURE" : "X-PAYMENT"]: paymentHeader(version, version === 2 ? c.v2 : c.v1) });

before(async () => {
  upstream = await startUpstream();
  facilitator = await startFacilitator();
  gw = await startGateway(config());
});

after(async () => {
  await gw?.stop();
  await upstream?.close();
  await facilitator?.close();
});

test("the recipes in the README are the files in conf/forward-auth", () => {
  const readme = fs.readFileSync(path.join(here, "../../README.md"), "utf8");
  for (const [file, lang] of [["nginx.conf", "nginx"], ["Caddyfile", "caddyfile"]]) {
    const text = fs.readFileSync(path.join(here, "../../conf/forward-auth", file), "utf8").trimEnd();
    assert.ok(readme.includes("```" + lang + "\n" + text + "\n```"), `README shows conf/forward-auth/${file} as it is`);
  }
});

test("an untrusted caller cannot name a request: 403, whatever it forges, counted", async () => {
  reset();
  const before = await metric(gw, count("generic", "untrusted"));
  for (const [target, headers] of [
    ["/auth", forwarded(gw, "/free/x")],
    ["/auth/nginx", original(gw, "/api/weather")],
    ["/auth/envoy/free/x", {}],
    ["/auth", forwarded(gw, "/free/x", { "X-Forward-Auth-Secret": SECRET.slice(0, -1) + "X" })],
    ["/auth", forwarded(gw, "/free/x", { "X-Forwarded-For": "127.0.0.1" })],
  ]) {
    const r = await call(gw, target, headers, { from: "127.0.0.2" });
    assert.equal(r.status, 403, target);
    assert.equal(JSON.parse(r.body).error, "forward_auth_untrusted");
  }
  // Counted as each call ends, an instant after its answer was written (under ASan, after the client read it).
  await waitFor(async () => (await metric(gw, count("generic", "untrusted"))) >= before + 3);
  assert.equal(await metric(gw, count("generic", "untrusted")), before + 3);
  assert.equal(facilitator.calls.length, 0);
  // The shared secret makes the same peer a proxy.
  const ok = await call(gw, "/auth", forwarded(gw, "/free/x", { "X-Forward-Auth-Secret": SECRET }), { from: "127.0.0.2" });
  assert.equal(ok.status, 200);
});

test("free routes pass; no route is the reverse proxy's 404; a call that names nothing is 400", async () => {
  assert.equal((await call(gw, "/auth", forwarded(gw, "/free/a?b=c"))).status, 200);
  assert.equal((await call(gw, "/auth/envoy/free/a", { Host: `127.0.0.1:${gw.port}` })).status, 200);
  const none = await call(gw, "/auth", forwarded(gw, "/nowhere"));
  assert.equal(none.status, 404);
  assert.equal(JSON.parse(none.body).error, "route_not_found");
  const incomplete = await call(gw, "/auth", { "X-Forwarded-Method": "GET" });
  assert.equal(incomplete.status, 400);
  assert.equal(JSON.parse(incomplete.body).error, "forward_auth_incomplete");
  assert.equal((await call(gw, "/elsewhere", forwarded(gw, "/free/a"))).status, 404);
  assert.equal(upstream.requests.length, 0, "an auth service never forwards");
});

test("routing is the reverse proxy's: canonical paths, case, methods, refused targets", async () => {
  // Spellings the reverse proxy routes to the priced route are priced here too.
  for (const uri of ["/API/weather", "/api/%77eather", "/api//weather", "/free/../api/weather", "/api/weather?x=1"])
    assert.equal((await call(gw, "/auth", forwarded(gw, uri))).status, 402, uri);
  assert.equal((await call(gw, "/auth", forwarded(gw, "/api/weather", {}, "HEAD"))).status, 402, "GET routes match HEAD");
  assert.equal((await call(gw, "/auth", forwarded(gw, "/api/weather", {}, "POST"))).status, 404, "the route is GET only");
  const bad = await call(gw, "/auth", forwarded(gw, "/api/%2e%2e/%00"));
  assert.equal(bad.status, 400);
  const direct = await fetch(gw.url("/api/%2e%2e/%00"));
  assert.equal(JSON.parse(bad.body).error, (await direct.json()).error, "the same refusal as the reverse proxy");
});

test("the 402 is the reverse proxy's, headers and body byte for byte", async () => {
  reset();
  const direct = await fetch(gw.url("/api/weather"));
  const viaAuth = await call(gw, "/auth", forwarded(gw, "/api/weather"));
  assert.equal(viaAuth.status, 402);
  assert.equal(viaAuth.headers["payment-required"], direct.headers.get("payment-required"));
  assert.equal(viaAuth.headers["content-type"], direct.headers.get("content-type"));
  assert.equal(viaAuth.headers["cache-control"], "no-store");
  assert.equal(viaAuth.body, await direct.text());
  // https at the proxy: the resource is named https, as the reverse proxy does behind TLS.
  const tls = await call(gw, "/auth", forwarded(gw, "/api/weather", { "X-Forwarded-Proto": "https", "X-Forwarded-Host": "api.example.com" }));
  assert.equal(decodeHeader(tls.headers["payment-required"]).resource.url, "https://api.example.com/api/weather");
  assert.equal(facilitator.calls.length, 0);
});

for (const version of [1, 2]) {
  test(`v${version}: a valid payment is settled before the 2xx, which carries the payer and the receipt; a replay is refused`, async () => {
    reset();
    const c = await unpaid(gw, "/api/weather");
    const headers = pay(version, c);
    const r = await call(gw, "/auth", forwarded(gw, "/api/weather", headers));
    assert.equal(r.status, 200, r.body);
    assert.equal(r.headers["x-payment-payer"], BUYER);
    const receipt = decodeHeader(r.headers[version === 2 ? "payment-response" : "x-payment-response"]);
    assert.equal(receipt.success, true);
    assert.equal(r.headers[version === 2 ? "x-payment-response" : "payment-response"], undefined);
    assert.deepEqual(facilitator.calls.map((x) => x.endpoint), ["verify", "settle"]);
    const replay = await call(gw, "/auth", forwarded(gw, "/api/weather", headers));
    assert.equal(replay.status, 402);
    assert.equal(JSON.parse(replay.body).error, "payment_already_used");
    assert.equal(calls("settle"), 1);
    assert.equal(upstream.requests.length, 0);
    const line = gw.access.findLast((l) => l.status === 200 && l.route === "GET /api/weather");
    assert.equal(line.payer, BUYER);
    assert.equal(line.path, "/api/weather");
  });
}

test("a payment refused by the facilitator, a failed and an unknown settlement", async () => {
  reset({ verify: () => ({ body: { isValid: false, invalidReason: "insufficient_funds", payer: BUYER } }) });
  let c = await unpaid(gw, "/api/weather");
  let r = await call(gw, "/auth", forwarded(gw, "/api/weather", pay(2, c)));
  assert.equal(r.status, 402);
  assert.equal(JSON.parse(r.body).error, "insufficient_funds");
  assert.equal(calls("settle"), 0);

  reset({ settle: () => ({ body: { success: false, errorReason: "transaction_failed", transaction: "", network: "eip155:84532", payer: BUYER } }) });
  r = await call(gw, "/auth", forwarded(gw, "/api/weather", pay(2, c)));
  assert.equal(r.status, 402, "a failed settlement lets nothing through");
  assert.equal(decodeHeader(r.headers["payment-response"]).success, false);

  reset({ settle: () => ({ hang: true }) });
  const headers = pay(2, c);
  r = await call(gw, "/auth", forwarded(gw, "/api/weather", headers));
  assert.equal(r.status, 504);
  assert.equal(JSON.parse(r.body).error, "facilitator_timeout");
  reset();
  r = await call(gw, "/auth", forwarded(gw, "/api/weather", headers));
  assert.equal(r.status, 402, "an unknown outcome is never settled again");
  assert.equal(JSON.parse(r.body).error, "payment_pending");
  assert.equal(calls("settle"), 0);
  assert.equal(upstream.requests.length, 0);
});

test("on_repeat: pass lets the same payment through again without a second settlement", async () => {
  reset();
  const c = await unpaid(gw, "/api/pass");
  const headers = pay(2, c);
  for (let i = 0; i < 2; i++) {
    const r = await call(gw, "/auth", forwarded(gw, "/api/pass", headers));
    assert.equal(r.status, 200);
    assert.equal(decodeHeader(r.headers["payment-response"]).success, true);
  }
  assert.equal(calls("settle"), 1);
  // It paid for /api/pass only.
  assert.equal((await call(gw, "/auth", forwarded(gw, "/api/weather", headers))).status, 402);
});

test("nginx: every refusal is a 401 whose token serves the real answer once; forged families are not read", async () => {
  reset();
  const before = await metric(gw, count("nginx", "payment_required"));
  const r = await call(gw, "/auth/nginx", original(gw, "/api/weather", { "X-Forwarded-Uri": "/free/x", "X-Forwarded-Method": "GET" }));
  assert.equal(r.status, 401);
  const token = r.headers["x-x402-reply"];
  assert.match(token, /^[0-9a-f]{32}$/);
  await waitFor(async () => (await metric(gw, count("nginx", "payment_required"))) >= before + 1);
  assert.equal(await metric(gw, count("nginx", "payment_required")), before + 1);
  const direct = await fetch(gw.url("/api/weather"));
  const real = await call(gw, "/auth/nginx/reply", original(gw, "/api/weather", { "X-X402-Reply": token }));
  assert.equal(real.status, 402);
  assert.equal(real.headers["payment-required"], direct.headers.get("payment-required"));
  assert.equal(real.body, await direct.text());
  // Taken once; an unknown token gets what the request gets without a payment, never a charge.
  const again = await call(gw, "/auth/nginx/reply", original(gw, "/api/weather", { "X-X402-Reply": token, ...pay(2, await unpaid(gw, "/api/weather")) }));
  assert.equal(again.status, 402);
  assert.equal(JSON.parse(again.body).error, "payment_required");
  assert.equal(facilitator.calls.length, 0);
  // A valid payment is a plain 2xx with the payer and the receipt.
  const ok = await call(gw, "/auth/nginx", original(gw, "/api/weather", pay(1, await unpaid(gw, "/api/weather"))));
  assert.equal(ok.status, 200);
  assert.equal(ok.headers["x-payment-payer"], BUYER);
  assert.ok(ok.headers["x-payment-response"]);
  // ingress-nginx names the request by its whole URL.
  const ingress = await call(gw, "/auth/nginx", { "X-Original-Method": "GET", "X-Original-URL": `https://shop.example/free/y` });
  assert.equal(ingress.status, 200);
});

test("envoy: the original path follows the prefix, the method and Host are the call's own", async () => {
  reset();
  const r = await call(gw, "/auth/envoy/api/weather?city=Paris", { Host: `127.0.0.1:${gw.port}`, "X-Forwarded-Proto": "http" });
  assert.equal(r.status, 402);
  assert.equal(r.body, await (await fetch(gw.url("/api/weather"))).text());
  const c = { v2: decodeHeader(r.headers["payment-required"]).accepts[0] };
  const ok = await call(gw, "/auth/envoy/api/weather", { Host: `127.0.0.1:${gw.port}`, ...pay(2, c) });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers["x-payment-payer"], BUYER);
});

test("the challenge limit counts the client the proxy names, not the proxy", async () => {
  const g = await startGateway(config({ limits: "challenges_per_second: 1, challenge_burst: 1" }));
  try {
    const a = { "X-Forwarded-For": "203.0.113.7" };
    assert.equal((await call(g, "/auth", forwarded(g, "/api/weather", a))).status, 402);
    const limited = await call(g, "/auth", forwarded(g, "/api/weather", a));
    assert.equal(limited.status, 429);
    assert.equal(limited.headers["retry-after"], "1");
    assert.equal((await call(g, "/auth", forwarded(g, "/api/weather", { "X-Forwarded-For": "203.0.113.8" }))).status, 402);
    // nginx: the 429 is kept behind the 401 like any refusal.
    const n = await call(g, "/auth/nginx", original(g, "/api/weather", a));
    assert.equal(n.status, 401);
    assert.equal((await call(g, "/auth/nginx/reply", original(g, "/api/weather", { ...a, "X-X402-Reply": n.headers["x-x402-reply"] }))).status, 429);
    assert.ok(g.access.some((l) => l.client === "203.0.113.7" && l.error === "rate_limited"));
  } finally {
    await g.stop();
  }
});

test("two auth replicas share one Redis: a payment settled through one is a replay at the other", async () => {
  const redis = await startRedis();
  const extra = `state: { store: redis, url: "${redis.url}", key_prefix: "fa-test:", timeout: 500ms, connect_timeout: 500ms }`;
  const replicas = [await startGateway(config({ extra })), await startGateway(config({ extra }))];
  try {
    for (const g of replicas) await waitFor(async () => (await fetch(g.admin("/readyz"))).status === 200);
    reset();
    const c = await unpaid(replicas[0], "/api/weather");
    const headers = pay(2, c);
    const first = await call(replicas[0], "/auth", forwarded(replicas[0], "/api/weather", headers));
    assert.equal(first.status, 200);
    const second = await call(replicas[1], "/auth", forwarded(replicas[1], "/api/weather", headers));
    assert.equal(second.status, 402);
    assert.equal(JSON.parse(second.body).error, "payment_already_used");
    assert.equal(calls("settle"), 1);
  } finally {
    for (const g of replicas) await g.stop();
    await redis.stop();
  }
});

test("the example configuration of conf/forward-auth passes --check", async () => {
  const r = await runGatewayCommand(["--check", "--config", path.join(here, "../../conf/forward-auth/gateway.yaml")]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
});

test("configuration mistakes are reported with their line", async () => {
  const file = writeConfig(`listen: [{ address: "127.0.0.1:0", mode: forward_auth }]
trusted_proxies: [127.0.0.1]
facilitators: { f: { url: "${facilitator.url}" } }
payment: { pay_to: "${PAY_TO}", network: base-sepolia }
routes:
  - { match: "GET /a", price: "$0.01", settlement: after }
`);
  const r = await runGatewayCommand(["--check", "--config", file]);
  assert.notEqual(r.code, 0);
  assert.match(r.stdout + r.stderr, /:6.*settlement: after/);
});
