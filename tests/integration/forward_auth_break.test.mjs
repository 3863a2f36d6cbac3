// Attacks on forward-auth mode through the real recipes: a real nginx (conf/forward-auth/nginx.conf
// as it is, addresses filled in) in front of a recording API, the real gateway as its auth service,
// and a scripted facilitator. Each test is a way a client could reach a priced route unpaid.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { startGateway, startUpstream, startFacilitator, paymentHeader, decodeHeader, BUYER, PAY_TO } from "../support/gateway.mjs";
import { startNginx, startCaddy, RECIPES } from "../support/proxies.mjs";

const SECRET = "forward-auth-break-secret-0123456789";
let api, facilitator, gw, gw2, nginx, nginx2, caddy, gatewayConfig;

before(async () => {
  api = await startUpstream();
  facilitator = await startFacilitator();
  // Two sites behind one nginx and one gateway: the API's weather is priced on api.example.com,
  // everything on www.example.com is free.
  gatewayConfig = `listen:
  - { address: "127.0.0.1:0", mode: forward_auth }
admin_listen: "127.0.0.1:0"
threads: 1
trusted_proxies: [127.0.0.1]
forward_auth: { secret: "${SECRET}" }
limits: { challenges_per_second: 0 }
facilitators:
  f: { url: "${facilitator.url}", timeout: 1s }
payment:
  pay_to: "${PAY_TO}"
  network: base-sepolia
routes:
  - { match: "GET /api/weather", host: api.example.com, price: "$0.01" }
  - { match: "/public/*", host: api.example.com }
  - { match: "/*", host: www.example.com }
`;
  gw = await startGateway(gatewayConfig);
  nginx = await startNginx(path.join(RECIPES, "nginx.conf"), { X402_AUTH: `127.0.0.1:${gw.authPort}`, API_UPSTREAM: `127.0.0.1:${api.port}` });
  caddy = await startCaddy(path.join(RECIPES, "Caddyfile"), {
    X402_AUTH: `127.0.0.1:${gw.authPort}`, API_UPSTREAM: `127.0.0.1:${api.port}`, X402_FORWARD_AUTH_SECRET: SECRET,
  }, { anyHost: true });
});

after(async () => {
  await nginx2?.stop();
  await gw2?.stop();
  await caddy?.stop();
  await nginx?.stop();
  await gw?.stop();
  await api?.close();
  await facilitator?.close();
});

/** One raw HTTP/1.x exchange (a request line no fetch() would send); resolves to { status, text }. */
function raw(port, request) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.write(request));
    let text = "";
    socket.setEncoding("latin1");
    socket.on("data", (d) => (text += d));
    socket.on("end", () => resolve({ status: Number(text.split(" ")[1]), text }));
    socket.on("error", reject);
    socket.setTimeout(5000, () => socket.destroy(new Error("no answer within 5 s")));
  });
}

const reachedApi = () => api.requests.filter((r) => r.url.startsWith("/api/weather")).length;

test("nginx: the free host's route cannot be borrowed for a priced host", async () => {
  const before = reachedApi();
  // The plain request for the priced host: the challenge, nothing reaches the API.
  const plain = await raw(nginx.port, "GET /api/weather HTTP/1.1\r\nHost: api.example.com\r\nConnection: close\r\n\r\n");
  assert.equal(plain.status, 402);
  // A Host with a port that names the host nginx routes by: the resource URL keeps the port.
  const withPort = await raw(nginx.port, "GET /api/weather HTTP/1.1\r\nHost: API.example.com:8080\r\nConnection: close\r\n\r\n");
  assert.equal(withPort.status, 402);
  assert.match(withPort.text, /"resource":"http:\/\/API\.example\.com:8080\/api\/weather"/i);
  // The free site is free.
  const free = await raw(nginx.port, "GET /index.html HTTP/1.1\r\nHost: www.example.com\r\nConnection: close\r\n\r\n");
  assert.equal(free.status, 200);
  // An absolute-form request: nginx routes (and sends the API) the request line's host,
  // api.example.com; the Host header names the free site. The gateway must price what nginx routes.
  const absolute = await raw(nginx.port, "GET http://api.example.com/api/weather HTTP/1.1\r\nHost: www.example.com\r\nConnection: close\r\n\r\n");
  assert.equal(absolute.status, 402, absolute.text);
  // A client's own X-Original-* (or another family's headers) name nothing: the recipe sets them.
  for (const forged of ["X-Original-URI: /index.html\r\nX-Original-Host: www.example.com", "X-Original-URL: http://www.example.com/index.html",
    "X-Forwarded-Uri: /index.html\r\nX-Forwarded-Host: www.example.com\r\nX-Forwarded-Method: GET"]) {
    const r = await raw(nginx.port, `GET /api/weather HTTP/1.1\r\nHost: api.example.com\r\n${forged}\r\nConnection: close\r\n\r\n`);
    assert.equal(r.status, 402, forged + "\n" + r.text);
  }
  assert.equal(reachedApi(), before, "the priced route was reached unpaid");
});

/** One call to the auth listener, as Envoy's ext_authz makes it (the original method and Host). */
function envoyCall(target, headers) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port: gw.authPort, path: `/auth/envoy${target}`, headers, agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers }));
    });
    req.on("error", reject);
    req.end();
  });
}

const removals = (r) => (r.headers["x-envoy-auth-headers-to-remove"] || "").split(",").map((h) => h.trim().toLowerCase()).filter(Boolean);

test("envoy: a client's own X-Payment-Payer never reaches the API", async () => {
  // Envoy sets the allowed_upstream_headers the answer carries, and leaves the client's alone when
  // the answer has none (a free route): the answer must have Envoy remove it.
  const free = await envoyCall("/index.html", { Host: "www.example.com", "X-Payment-Payer": "0xforged" });
  assert.equal(free.status, 200);
  assert.ok(removals(free).includes("x-payment-payer"), JSON.stringify(free.headers));
  // A paid one sets the verified payer, which must not be removed again.
  const challenge = await envoyCall("/api/weather", { Host: "api.example.com" });
  assert.equal(challenge.status, 402);
  const accepts = decodeHeader(challenge.headers["payment-required"]).accepts[0];
  const paid = await envoyCall("/api/weather", { Host: "api.example.com", "X-Payment-Payer": "0xforged", "PAYMENT-SIGNATURE": paymentHeader(2, accepts) });
  assert.equal(paid.status, 200);
  assert.equal(paid.headers["x-payment-payer"], BUYER);
  assert.ok(!removals(paid).includes("x-payment-payer"), JSON.stringify(paid.headers));
});

test("caddy: neither the request line nor a client's X-Forwarded-* can name a free request for a priced one", async () => {
  const before = reachedApi();
  const ask = (head) => raw(caddy.port, head + "Connection: close\r\n\r\n");
  assert.equal((await ask("GET /api/weather HTTP/1.1\r\nHost: api.example.com\r\n")).status, 402);
  assert.equal((await ask("GET /index.html HTTP/1.1\r\nHost: www.example.com\r\n")).status, 200);
  for (const head of [
    "GET http://api.example.com/api/weather HTTP/1.1\r\nHost: www.example.com\r\n",
    "GET /api/weather HTTP/1.1\r\nHost: api.example.com\r\nX-Forwarded-Host: www.example.com\r\n",
    "GET /api/weather HTTP/1.1\r\nHost: api.example.com\r\nX-Forwarded-Uri: /index.html\r\nX-Forwarded-Method: OPTIONS\r\n",
    "GET /api/weather HTTP/1.1\r\nHost: api.example.com\r\nX-Original-URI: /index.html\r\nX-Original-Host: www.example.com\r\n",
  ]) {
    const r = await ask(head);
    assert.notEqual(r.status, 200, head + "\n" + r.text);
  }
  assert.equal(reachedApi(), before, "the priced route was reached unpaid");
});

test("nginx with two gateway replicas: the real answer behind the 401 comes from the replica that made it", async () => {
  // The reply call may reach another replica than the auth call, which never saw the payment: the
  // client would get a fresh 402 (and pay again) instead of the real answer (here: the facilitator
  // is down, retry later). The recipe's upstream block with a second server, as one scales it.
  gw2 = await startGateway(gatewayConfig);
  nginx2 = await startNginx(path.join(RECIPES, "nginx.conf"), {
    X402_AUTH: `127.0.0.1:${gw.authPort}; server 127.0.0.1:${gw2.authPort}`, API_UPSTREAM: `127.0.0.1:${api.port}`,
  });
  const challenge = await envoyCall("/api/weather", { Host: "api.example.com" });
  const accepts = decodeHeader(challenge.headers["payment-required"]).accepts[0];
  const saved = facilitator.script.verify;
  facilitator.script.verify = () => ({ status: 503, body: { error: "down for maintenance" } });
  try {
    const statuses = [];
    const firstAnswered = gw.access.length;
    for (let i = 0; i < 12; i++) {
      const r = await raw(nginx2.port, `GET /api/weather HTTP/1.1\r\nHost: api.example.com\r\nPAYMENT-SIGNATURE: ${paymentHeader(2, accepts)}\r\nConnection: close\r\n\r\n`);
      statuses.push(r.status);
    }
    assert.ok(statuses.every((s) => s >= 500), `every paid request gets the facilitator's failure, not a fresh challenge: ${statuses}`);
    // Both replicas did answer some (one chance in 2^11 that a consistent hash sent all to one).
    assert.ok(gw.access.length > firstAnswered && gw2.access.length > 0, `${gw.access.length - firstAnswered} and ${gw2.access.length}`);
  } finally {
    facilitator.script.verify = saved;
  }
});

test("nginx: no path the gateway reads as a free one is the priced one to a WHATWG-URL API", async () => {
  // nginx forwards the request target as the client sent it; APIs built on the URL standard (fetch
  // handlers, Hono, Next.js, Deno, Bun, ...) read '\\' as '/' and then resolve dot segments.
  const whatwg = (url) => new URL(url, "http://api.example.com").pathname;
  const priced = () => api.requests.filter((r) => whatwg(r.url) === "/api/weather").length;
  const before = priced();
  const free = await raw(nginx.port, "GET /public/a HTTP/1.1\r\nHost: api.example.com\r\nConnection: close\r\n\r\n");
  assert.equal(free.status, 200);
  for (const target of ["/public/..\\api/weather", "/public\\..\\api\\weather", "/public/x/..\\..\\api/weather", "/public/%2e%2e\\api/weather"]) {
    const r = await raw(nginx.port, `GET ${target} HTTP/1.1\r\nHost: api.example.com\r\nConnection: close\r\n\r\n`);
    assert.notEqual(r.status, 200, `${target}: ${r.text}`);
  }
  assert.equal(priced(), before, "the priced route was reached unpaid");
});

// The headers the reverse proxy removes because frameworks read them as the path or the method
// (upstream/headers.cpp override_headers): on a free path, "X-Original-URL: /api/weather" or a
// method override would have such an API serve the priced route.
const OVERRIDES = ["X-Original-URL", "X-Rewrite-URL", "X-Override-URL", "X-Original-URI", "X-HTTP-Method-Override", "X-HTTP-Method",
  "X-Method-Override", "X-HTTP-Path-Override", "Proxy"];

for (const proxy of ["nginx", "caddy"]) {
  test(`${proxy}: path and method override headers never reach the API`, async () => {
    const port = proxy === "nginx" ? nginx.port : caddy.port;
    const values = { "X-HTTP-Method-Override": "POST", "X-HTTP-Method": "POST", "X-Method-Override": "POST", Proxy: "http://127.0.0.1:9" };
    const headers = OVERRIDES.map((h) => `${h}: ${values[h] || "/api/weather"}\r\n`).join("");
    const seen = api.requests.length;
    const r = await raw(port, `GET /public/overrides HTTP/1.1\r\nHost: api.example.com\r\n${headers}Connection: close\r\n\r\n`);
    assert.equal(r.status, 200, r.text);
    const got = api.requests.slice(seen).find((q) => q.url === "/public/overrides");
    assert.ok(got, "the free request reached the API");
    const leaked = OVERRIDES.filter((h) => h.toLowerCase() in got.headers);
    assert.deepEqual(leaked, [], `${proxy} passed on ${leaked.join(", ")}`);
  });
}
