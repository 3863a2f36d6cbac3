// Traefik ForwardAuth and Envoy ext_authz (HTTP service) in front of the real gateway's forward-auth
// listener. Neither proxy can be installed here (no Debian bookworm package, nothing on npm), so
// each is played by a small HTTP proxy that speaks exactly its documented and coded contract, and
// takes every value from the recipe an operator copies (conf/forward-auth/traefik.yml, envoy.yaml,
// and the gateway's half, gateway.yaml), filled in with addresses only:
//
// Traefik (pkg/middlewares/auth/forward.go): the request passes its middlewares in order; a
//   `headers` one sets customRequestHeaders ("" removes the header); forwardAuth then calls `address` with GET, no body, the
//   request's headers (less hop-by-hop ones and Host) and X-Forwarded-For/-Method/-Proto/-Host/-Uri
//   that it sets itself (trustForwardHeader: false); a non-2xx answer goes to the client as it is
//   (status, headers less hop-by-hop, body); a 2xx copies each authResponseHeaders header onto the
//   request, removing the ones the answer lacks, and the request goes upstream.
// Envoy (ext_authz_http_impl.cc): filters in order (a header_mutation removes headers); the HTTP
//   connection manager appends the peer to X-Forwarded-For and sets -Proto only with
//   use_remote_address, else it passes the client's own on; ext_authz calls the auth cluster with the
//   original method, path_prefix + the original path and query, Host, Authorization, the headers
//   allowed_headers lists, headers_to_add and Content-Length: 0; only 200 is OK: then
//   allowed_upstream_headers are set on the request and allowed_client_headers_on_success added to the
//   client's response; a 5xx or no answer is an error (status_on_error, default 403, empty body);
//   anything else is a denial that the client gets with its status, body and the headers
//   allowed_client_headers lists (with Status, Content-Length, WWW-Authenticate and Location; all
//   but Host when the list is empty). The route removes request_headers_to_remove going upstream.
//
// Against them: the v1 and v2 payments go through and reach the upstream once with the payer, the
// client gets the real 402, the receipt goes where each proxy can put it, a replay is refused, free
// routes pass, and neither a client's forged headers nor a direct call naming another URI get in.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { startGateway, startUpstream, startFacilitator, challenge, paymentHeader, decodeHeader, BUYER, PAY_TO } from "../support/gateway.mjs";
import { fill } from "../support/proxies.mjs";
import { waitFor } from "../support/raw.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const YAML = createRequire(path.join(root, "packaging/localstack/package.json"))("yaml");
const recipe = (name, vars = {}) => YAML.parse(fill(fs.readFileSync(path.join(root, "conf/forward-auth", name), "utf8"), vars));
const hostPort = (url) => new URL(url).host;
const SECRET = crypto.randomBytes(24).toString("hex");

// Hop-by-hop headers neither proxy passes on (RFC 9110 7.6.1), plus those a Connection header names.
const HOP = ["connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade", "proxy-connection"];
function withoutHops(headers) {
  const named = String(headers.connection ?? "").toLowerCase().split(",").map((s) => s.trim()).filter(Boolean);
  return Object.fromEntries(Object.entries(headers).filter(([k]) => !HOP.includes(k) && !named.includes(k)));
}

/** One HTTP exchange with exact headers; resolves { status, headers, body } (or rejects on no answer). */
function exchange(url, { method = "GET", headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method, headers, agent: false }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.setTimeout(10000, () => req.destroy(new Error("no answer")));
    req.end(body);
  });
}

function readBody(req) {
  return new Promise((resolve) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
  });
}

// The proxies listen on ::1 and call the gateway from 127.0.0.1, so that the client's address
// (::1) differs from the proxy's, as it does in production: the gateway must name ::1 the client.
function serve(handler) {
  const server = http.createServer((req, res) => handler(req, res).catch((e) => { res.statusCode = 599; res.end(String(e)); }));
  return new Promise((resolve) => server.listen(0, "::1", () => resolve({
    url: (p) => `http://[::1]:${server.address().port}${p}`,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  })));
}

function reply(res, status, headers, body) {
  const out = withoutHops(headers);
  delete out["content-length"];
  res.writeHead(status, out);
  res.end(body);
}

/** Traefik, configured by conf/forward-auth/traefik.yml's router `api`, the gateway at `authBase`. */
async function startTraefik(authBase, upstreamUrl) {
  const dynamic = recipe("traefik.yml", { X402_AUTH: hostPort(authBase), API_UPSTREAM: hostPort(upstreamUrl) }).http;
  const chain = dynamic.routers.api.middlewares.map((name) => dynamic.middlewares[name]);
  const service = dynamic.services[dynamic.routers.api.service].loadBalancer.servers[0].url;
  return serve(async (req, res) => {
    const body = await readBody(req);
    const headers = { ...req.headers };
    for (const mw of chain) {
      if (mw.headers) {
        for (const [k, v] of Object.entries(mw.headers.customRequestHeaders ?? {})) {
          if (v === "") delete headers[k.toLowerCase()];
          else headers[k.toLowerCase()] = v.replace('{{ env "X402_FORWARD_AUTH_SECRET" }}', SECRET);
        }
        continue;
      }
      const fa = mw.forwardAuth;
      assert.ok(fa, "only headers and forwardAuth middlewares are played");
      assert.equal(fa.trustForwardHeader, false);
      const authHeaders = withoutHops(headers);
      delete authHeaders.host;  // Go keeps Host out of Header: the call's Host is the address's
      delete authHeaders["content-length"];
      authHeaders["x-forwarded-for"] = req.socket.remoteAddress;
      authHeaders["x-forwarded-method"] = req.method;
      authHeaders["x-forwarded-proto"] = "http";
      authHeaders["x-forwarded-host"] = req.headers.host;
      authHeaders["x-forwarded-uri"] = req.url;
      const answer = await exchange(fa.address, { headers: authHeaders });
      if (answer.status < 200 || answer.status >= 300) return reply(res, answer.status, answer.headers, answer.body);
      for (const name of fa.authResponseHeaders) {
        const key = name.toLowerCase();
        delete headers[key];
        if (answer.headers[key] !== undefined) headers[key] = answer.headers[key];
      }
    }
    const up = await exchange(service + req.url, { method: req.method, headers: withoutHops(headers), body });
    reply(res, up.status, up.headers, up.body);
  });
}

/** Envoy, configured by conf/forward-auth/envoy.yaml's listener, the gateway at `authBase`. */
async function startEnvoy(authBase, upstreamUrl) {
  const a = new URL(authBase), u = new URL(upstreamUrl);
  const bootstrap = recipe("envoy.yaml", { X402_AUTH_HOST: a.hostname, X402_AUTH_PORT: a.port, API_HOST: u.hostname, API_PORT: u.port, ENVOY_PORT: 0 });
  const hcm = bootstrap.static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
  const exact = (list) => (list?.patterns ?? []).map((p) => p.exact.toLowerCase());
  const authz = hcm.http_filters.find((f) => f.name === "envoy.filters.http.ext_authz").typed_config;
  const svc = authz.http_service;
  const authCluster = bootstrap.static_resources.clusters.find((c) => c.name === svc.server_uri.cluster);
  const at = authCluster.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address;
  const authAt = `http://${at.address}:${at.port_value}`;
  const allowed = ["authorization", ...exact(svc.authorization_request.allowed_headers)];
  const toUpstream = exact(svc.authorization_response?.allowed_upstream_headers);
  const clientList = exact(svc.authorization_response?.allowed_client_headers);
  const toClient = (k) => (clientList.length === 0 ? k !== "host" : [...clientList, "content-length", "www-authenticate", "location"].includes(k));
  const toClientOnSuccess = exact(svc.authorization_response?.allowed_client_headers_on_success);
  assert.equal(authz.failure_mode_allow, false);
  const onError = { ServiceUnavailable: 503, Forbidden: 403 }[authz.status_on_error?.code] ?? Number(authz.status_on_error?.code ?? 403);
  const route = hcm.route_config.virtual_hosts[0].routes[0];
  const apiCluster = bootstrap.static_resources.clusters.find((c) => c.name === route.route.cluster);
  const api = apiCluster.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address;
  return serve(async (req, res) => {
    const body = await readBody(req);
    const headers = { ...req.headers };
    if (hcm.use_remote_address) {
      headers["x-forwarded-for"] = headers["x-forwarded-for"] ? `${headers["x-forwarded-for"]}, ${req.socket.remoteAddress}` : req.socket.remoteAddress;
      headers["x-forwarded-proto"] = "http";
    } else {
      headers["x-forwarded-proto"] ??= "http";
    }
    let answer;
    for (const f of hcm.http_filters) {
      if (f.name === "envoy.filters.http.header_mutation") {
        for (const m of f.typed_config.mutations.request_mutations) if (m.remove) delete headers[m.remove.toLowerCase()];
      } else if (f.name === "envoy.filters.http.ext_authz") {
        const check = { host: headers.host, "content-length": "0" };
        for (const k of allowed) if (headers[k] !== undefined) check[k] = headers[k];
        for (const h of svc.authorization_request.headers_to_add ?? []) check[h.key.toLowerCase()] = h.value.replace("%ENVIRONMENT(X402_FORWARD_AUTH_SECRET)%", SECRET);
        try {
          answer = await exchange(authAt + svc.path_prefix + req.url, { method: req.method, headers: check });
        } catch {
          answer = { status: 500 };
        }
        if (answer.status >= 500) return reply(res, onError, {}, "");
        if (answer.status !== 200) {
          return reply(res, answer.status, Object.fromEntries(Object.entries(answer.headers).filter(([k]) => toClient(k))), answer.body);
        }
        for (const k of toUpstream) if (answer.headers[k] !== undefined) headers[k] = answer.headers[k];
      }
    }
    for (const k of route.request_headers_to_remove ?? []) delete headers[k.toLowerCase()];
    const up = await exchange(`http://${api.address}:${api.port_value}${req.url}`, { method: req.method, headers: withoutHops(headers), body });
    const out = { ...up.headers };
    for (const k of toClientOnSuccess) if (answer.headers[k] !== undefined) out[k] = answer.headers[k];
    reply(res, up.status, out, up.body);
  });
}

let upstream, facilitator, gwTrusted, gwSecret, traefik, envoy;
const settles = () => facilitator.calls.filter((c) => c.endpoint === "settle").length;

// The gateway's half of the recipes (conf/forward-auth/gateway.yaml) on loopback ports with the
// scripted facilitator, plus a priced POST route. As written it believes trusted_proxies (the
// Traefik recipe's trust); without them, only the secret (the Envoy recipe adds it).
function gatewayConfig({ trusted }) {
  const c = recipe("gateway.yaml");
  c.listen = [{ address: "127.0.0.1:0", mode: "forward_auth" }];
  c.admin_listen = "127.0.0.1:0";
  c.threads = 2;
  c.limits = { challenges_per_second: 0 };
  c.facilitators = { f: { url: facilitator.url, timeout: "2s" } };
  c.payment = { ...c.payment, pay_to: PAY_TO, facilitator: "f" };
  c.routes = [...c.routes, { match: "POST /api/echo", price: "$0.01" }];
  if (!trusted) delete c.trusted_proxies;
  return YAML.stringify(c);
}

before(async () => {
  upstream = await startUpstream();
  facilitator = await startFacilitator();
  gwTrusted = await startGateway(gatewayConfig({ trusted: true }), { env: { FORWARD_AUTH_SECRET: SECRET } });
  gwSecret = await startGateway(gatewayConfig({ trusted: false }), { env: { FORWARD_AUTH_SECRET: SECRET } });
  traefik = await startTraefik(gwTrusted.authUrl(""), upstream.url);
  envoy = await startEnvoy(gwSecret.authUrl(""), upstream.url);
});

after(async () => {
  await traefik?.close();
  await envoy?.close();
  await gwTrusted?.stop();
  await gwSecret?.stop();
  await upstream?.close();
  await facilitator?.close();
});

const proxies = () => [["Traefik", traefik, gwTrusted], ["Envoy", envoy, gwSecret]];
function forget() {
  upstream.requests.length = 0;
  facilitator.calls.length = 0;
}

for (const name of ["Traefik", "Envoy"]) {
  const proxy = () => proxies().find(([n]) => n === name)[1];
  const gateway = () => proxies().find(([n]) => n === name)[2];

  test(`${name}: a free route passes, and a client's own payer header never reaches the upstream`, async () => {
    forget();
    const res = await fetch(proxy().url("/health?probe=1"), { headers: { "X-Payment-Payer": "0xforged" } });
    assert.equal(res.status, 200);
    assert.equal(upstream.requests.length, 1);
    assert.equal(upstream.requests[0].url, "/health?probe=1");
    assert.equal(upstream.requests[0].headers["x-payment-payer"], undefined);
    assert.equal(upstream.requests[0].headers["x-forward-auth-secret"], undefined, "the secret stays between proxy and gateway");
    assert.equal(facilitator.calls.length, 0);
  });

  test(`${name}: an unpaid request gets the real 402 challenge, headers and body, naming the original URL`, async () => {
    forget();
    const { response, body, v2doc } = await challenge(proxy().url("/api/weather?city=Paris"));
    assert.equal(response.status, 402);
    assert.equal(body.error, "payment_required");
    assert.equal(body.accepts[0].maxAmountRequired, "10000");
    assert.equal(body.accepts[0].description, "Current weather");
    assert.equal(v2doc.accepts[0].payTo, PAY_TO);
    assert.equal(v2doc.accepts[0].network, "eip155:84532");
    assert.equal(new URL(v2doc.resource.url).pathname, "/api/weather");
    assert.equal(new URL(v2doc.resource.url).host, new URL(proxy().url("/")).host, "the resource is the proxy's, not the gateway's");
    assert.equal(upstream.requests.length, 0);
  });

  test(`${name}: a client's forged X-Forwarded-Uri or secret does not turn a priced request into a free one`, async () => {
    forget();
    const res = await fetch(proxy().url("/api/weather"), { headers: { "X-Forwarded-Uri": "/health", "X-Forwarded-Method": "GET", "X-Original-URI": "/health", "X-Forward-Auth-Secret": "guess-guess-guess-guess" } });
    assert.equal(res.status, 402);
    assert.equal(upstream.requests.length, 0);
  });

  test(`${name}: the client the gateway sees (logs, rate limits) is the real peer, not a client's own X-Forwarded-For`, async () => {
    forget();
    const before = gateway().access.length;
    const res = await fetch(proxy().url("/api/weather?xff=1"), { headers: { "X-Forwarded-For": "203.0.113.9" } });
    assert.equal(res.status, 402);
    await waitFor(() => gateway().access.length > before);
    const line = gateway().access.slice(before).find((l) => l.status === 402);
    assert.ok(line, JSON.stringify(gateway().access.slice(before)));
    assert.equal(line.client, "::1");
  });

  for (const version of [1, 2]) {
    test(`${name}: v${version} pays, the upstream gets the request once with the payer, a replay is refused`, async () => {
      forget();
      const c = await challenge(proxy().url("/api/weather"));
      const header = { [version === 2 ? "PAYMENT-SIGNATURE" : "X-PAYMENT"]: paymentHeader(version, version === 2 ? c.v2 : c.v1) };
      const res = await fetch(proxy().url("/api/weather"), { headers: { ...header, "X-Payment-Payer": "0xforged" } });
      assert.equal(res.status, 200, await res.clone().text());
      assert.equal(upstream.requests.length, 1, "the upstream is reached once per payment");
      const seen = upstream.requests[0];
      assert.equal(seen.url, "/api/weather");
      assert.equal(seen.headers["x-payment-payer"], BUYER);
      assert.equal(settles(), 1, "settled before the request went on");
      const receiptName = version === 2 ? "payment-response" : "x-payment-response";
      if (name === "Envoy") {
        // allowed_client_headers_on_success: the client gets the receipt.
        assert.equal(decodeHeader(res.headers.get(receiptName)).success, true);
        assert.equal(seen.headers["payment-signature"] ?? seen.headers["x-payment"], undefined, "the route removes the payment");
      } else {
        // Traefik copies auth answer headers to the upstream request only: the receipt is there.
        assert.equal(decodeHeader(seen.headers[receiptName]).success, true);
        assert.equal(res.headers.get(receiptName), null, "Traefik cannot add it to the client's response");
      }

      const again = await fetch(proxy().url("/api/weather"), { headers: header });
      assert.equal(again.status, 402);
      assert.equal((await again.json()).error, "payment_already_used");
      assert.equal(upstream.requests.length, 1, "a replay never reaches the upstream");
      assert.equal(settles(), 1);
    });
  }

  test(`${name}: the original method is what is priced (POST route)`, async () => {
    forget();
    const res = await fetch(proxy().url("/api/echo"), { method: "POST", body: "{}", headers: { "content-type": "application/json" } });
    assert.equal(res.status, 402);
    const wrong = await fetch(proxy().url("/api/echo"));
    assert.notEqual(wrong.status, 402, "GET is not the priced POST route");
    assert.equal(upstream.requests.filter((r) => r.method === "POST").length, 0);
  });
}

test("Envoy: a gateway error (a facilitator down) reaches the client as status_on_error, never as access", async () => {
  forget();
  facilitator.script.verify = () => ({ status: 500, body: { error: "down" } });
  try {
    const c = await challenge(envoy.url("/api/weather"));
    const res = await fetch(envoy.url("/api/weather"), { headers: { "PAYMENT-SIGNATURE": paymentHeader(2, c.v2) } });
    assert.ok([403, 503].includes(res.status), `status_on_error: ${res.status}`);
    assert.equal(await res.text(), "", "Envoy sends its own empty answer, not the gateway's");
    assert.equal(upstream.requests.length, 0);
  } finally {
    facilitator.script.verify = undefined;
  }
});

test("a direct call to the auth endpoint without the secret is refused, whatever URI it names", async () => {
  for (const [target, headers] of [
    ["/auth", { "X-Forwarded-Method": "GET", "X-Forwarded-Uri": "/api/weather", "X-Forwarded-Host": "api.example.com" }],
    ["/auth/envoy/api/weather", {}],
    ["/auth", { "X-Forwarded-Method": "GET", "X-Forwarded-Uri": "/health", "X-Forward-Auth-Secret": "not-the-secret-at-all" }],
  ]) {
    const res = await exchange(gwSecret.authUrl(target), { headers });
    assert.equal(res.status, 403, `${target}: ${res.body}`);
    assert.match(res.body.toString(), /forward_auth_untrusted/);
  }
});
