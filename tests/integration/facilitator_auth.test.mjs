// Facilitator authentication over real sockets: the real gateway signs each facilitator call; a
// scripted facilitator verifies every token with the public key alone (node:crypto), checks each
// claim and the call it is bound to, and refuses a bad one with 401. The tokens are compared,
// field by field, with tokens the reference packages mint for the same key.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { startGateway, startUpstream, startFacilitator, baseConfig, challenge, paymentHeader, resetRecorders, runGatewayCommand, writeConfig } from "../support/gateway.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const stackRequire = createRequire(path.resolve(here, "../../packaging/localstack/package.json"));
const load = (name) => import(pathToFileURL(stackRequire.resolve(name)).href);

const BASE = "/platform/v2/x402";
const KEY_ID = "organizations/0b1c/apiKeys/3f7e-test";
let upstream, facilitator;

// ---- keys in the formats the facilitators hand out ----
function ecKey() {
  const { privateKey, publicKey } = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
  return { publicKey, sec1: privateKey.export({ type: "sec1", format: "pem" }), pkcs8: privateKey.export({ type: "pkcs8", format: "pem" }) };
}
function edKey() {
  const { privateKey, publicKey } = crypto.generateKeyPairSync("ed25519");
  const jwk = privateKey.export({ format: "jwk" });
  const cdp = Buffer.concat([Buffer.from(jwk.d, "base64url"), Buffer.from(jwk.x, "base64url")]).toString("base64");
  const payai = "payai_sk_" + privateKey.export({ type: "pkcs8", format: "der" }).toString("base64");
  return { publicKey, cdp, payai };
}
function secretFile(text) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "x402gw-auth-"));
  const file = path.join(dir, "secret");
  fs.writeFileSync(file, text, { mode: 0o600 });
  return file;
}

// ---- the verifier the scripted facilitator runs ----
const b64json = (s) => JSON.parse(Buffer.from(s, "base64url").toString("utf8"));

/** Splits and verifies a compact JWS with `publicKey`; throws with the reason when it is bad. */
function verifyJwt(token, publicKey) {
  const parts = token.split(".");
  if (parts.length !== 3) throw new Error("not a compact JWS");
  const header = b64json(parts[0]), claims = b64json(parts[1]);
  const data = Buffer.from(parts[0] + "." + parts[1]);
  const sig = Buffer.from(parts[2], "base64url");
  const ok = header.alg === "ES256" ? crypto.verify("sha256", data, { key: publicKey, dsaEncoding: "ieee-p1363" }, sig)
    : header.alg === "EdDSA" ? crypto.verify(null, data, publicKey, sig) : false;
  if (!ok) throw new Error("bad signature");
  return { header, claims };
}

/** Checks a CDP token against the call that carries it; returns the decoded token. */
function checkCdp(req, publicKey, { alg, keyId = KEY_ID, nonces }) {
  const auth = req.headers.authorization || "";
  if (!auth.startsWith("Bearer ")) throw new Error("no bearer token");
  const { header, claims } = verifyJwt(auth.slice(7), publicKey);
  assert.deepEqual(Object.keys(header).sort(), ["alg", "kid", "nonce", "typ"]);
  assert.equal(header.alg, alg);
  assert.equal(header.kid, keyId);
  assert.equal(header.typ, "JWT");
  assert.match(header.nonce, /^[0-9a-f]{32}$/);
  assert.ok(!nonces.has(header.nonce), "a nonce is never reused");
  nonces.add(header.nonce);
  assert.deepEqual(Object.keys(claims).sort(), ["exp", "iat", "iss", "nbf", "sub", "uris"]);
  assert.equal(claims.iss, "cdp");
  assert.equal(claims.sub, keyId);
  const now = Math.floor(Date.now() / 1000);
  assert.ok(Math.abs(claims.iat - now) <= 5, `iat ${claims.iat} is now (${now})`);
  assert.equal(claims.nbf, claims.iat);
  assert.equal(claims.exp, claims.iat + 120);
  // Bound to this very call: method, Host and path as the facilitator received them.
  assert.deepEqual(claims.uris, [`${req.method} ${req.headers.host}${req.url}`]);
  return { header, claims, correlation: req.headers["correlation-context"] };
}

function checkPayai(req, publicKey, { keyId, jtis }) {
  const auth = req.headers.authorization || "";
  if (!auth.startsWith("Bearer ")) throw new Error("no bearer token");
  const { header, claims } = verifyJwt(auth.slice(7), publicKey);
  assert.deepEqual(header, { alg: "EdDSA", typ: "JWT", kid: keyId });
  assert.deepEqual(Object.keys(claims).sort(), ["exp", "iat", "iss", "jti", "sub"]);
  assert.equal(claims.iss, "payai-merchant");
  assert.equal(claims.sub, keyId);
  assert.ok(Math.abs(claims.iat - Math.floor(Date.now() / 1000)) <= 5);
  assert.equal(claims.exp, claims.iat + 120);
  assert.match(claims.jti, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.ok(!jtis.has(claims.jti));
  jtis.add(claims.jti);
  return { header, claims };
}

/** Scripts every endpoint of the facilitator to run `check(req, endpoint)` first: a throw is a 401. */
function requireAuth(check) {
  const seen = [], refused = [];
  const wrap = (endpoint, answer) => (body, req) => {
    try {
      seen.push({ endpoint, ...check(req, endpoint) });
    } catch (e) {
      refused.push({ endpoint, reason: e.message });
      return { status: 401, body: { error: "unauthorized", message: e.message } };
    }
    return answer(body);
  };
  facilitator.script.verify = wrap("verify", () => ({ body: { isValid: true, payer: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC" } }));
  facilitator.script.settle = wrap("settle", (b) => ({ body: { success: true, transaction: "0x" + "ab".repeat(32), network: b.paymentRequirements.network, payer: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC" } }));
  facilitator.script.supported = wrap("supported", () => ({ body: { kinds: [{ x402Version: 2, scheme: "exact", network: "eip155:84532" }, { x402Version: 1, scheme: "exact", network: "base-sepolia" }], extensions: [], signers: {} } }));
  return { seen, refused };
}

const routes = `  - { match: "GET /api/paid", price: "$0.01" }`;

async function startWithAuth(authFlow, env = {}) {
  const yaml = baseConfig({ upstream: upstream.url, facilitator: facilitator.url + BASE, routes, facilitatorExtra: `, auth: ${authFlow}` });
  return startGateway(yaml, { env });
}

async function pay(gw) {
  const c = await challenge(gw.url("/api/paid"));
  return fetch(gw.url("/api/paid"), { headers: { "PAYMENT-SIGNATURE": paymentHeader(2, c.v2) } });
}

async function waitFor(pred, ms = 5000) {
  const until = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > until) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function metricsText(gw) {
  return (await fetch(`http://127.0.0.1:${gw.adminPort}/metrics`)).text();
}

before(async () => {
  upstream = await startUpstream((req, res) => { res.setHeader("content-type", "application/json"); res.end('{"ok":true}'); });
  facilitator = await startFacilitator();
});

after(async () => {
  await upstream.close();
  await facilitator.close();
});

for (const kind of ["ES256 (SEC1 PEM from a file)", "EdDSA (CDP base64 seed+public key from the environment)"]) {
  test(`CDP ${kind}: /verify, /settle and /supported each carry a fresh token bound to that call`, async () => {
    resetRecorders(upstream, facilitator);
    const es = kind.startsWith("ES256");
    const key = es ? ecKey() : edKey();
    const nonces = new Set();
    const { seen, refused } = requireAuth((req) => checkCdp(req, key.publicKey, { alg: es ? "ES256" : "EdDSA", nonces }));
    const auth = es ? `{ type: cdp, key_id: "${KEY_ID}", key_secret_file: "${secretFile(key.sec1)}" }`
      : `{ type: cdp, key_id: "\${CDP_API_KEY_ID}", key_secret: "\${CDP_API_KEY_SECRET}" }`;
    const gw = await startWithAuth(auth, { CDP_API_KEY_ID: KEY_ID, CDP_API_KEY_SECRET: es ? "" : key.cdp });
    try {
      const res = await pay(gw);
      assert.equal(res.status, 200, await res.clone().text());
      await waitFor(() => seen.some((s) => s.endpoint === "supported"));
      assert.deepEqual(refused, []);
      const byEndpoint = Object.fromEntries(seen.map((s) => [s.endpoint, s]));
      assert.deepEqual(byEndpoint.verify.claims.uris, [`POST 127.0.0.1:${facilitator.port}${BASE}/verify`]);
      assert.deepEqual(byEndpoint.settle.claims.uris, [`POST 127.0.0.1:${facilitator.port}${BASE}/settle`]);
      assert.deepEqual(byEndpoint.supported.claims.uris, [`GET 127.0.0.1:${facilitator.port}${BASE}/supported`]);
      for (const s of seen) assert.match(s.correlation, /^sdk_version=[\d.]+,sdk_language=cpp,source=x402-gateway,source_version=[\d.]+$/);
      // A second payment gets new tokens (new nonces; the checker refuses a repeated one).
      const again = await pay(gw);
      assert.equal(again.status, 200);
      assert.deepEqual(refused, []);
      assert.ok(nonces.size >= 5);
    } finally {
      await gw.stop();
    }
  });
}

test("a token the facilitator refuses (wrong key) is a 502 facilitator_auth, counted and logged by name, never with the secret", async () => {
  resetRecorders(upstream, facilitator);
  const configured = edKey(), trusted = edKey();
  const { refused } = requireAuth((req) => checkCdp(req, trusted.publicKey, { alg: "EdDSA", nonces: new Set() }));
  const gw = await startWithAuth(`{ type: cdp, key_id: "${KEY_ID}", key_secret: "\${CDP_API_KEY_SECRET}" }`, { CDP_API_KEY_SECRET: configured.cdp });
  try {
    const res = await pay(gw);
    assert.equal(res.status, 502);
    const body = await res.json();
    assert.equal(body.error, "facilitator_auth");
    assert.match(body.message, /facilitator 'f' refused the gateway's credentials for \/verify \(HTTP 401\)/);
    assert.equal(upstream.requests.length, 0, "never forwarded without a verified payment");
    assert.ok(refused.some((r) => r.endpoint === "verify" && r.reason === "bad signature"));
    const metrics = await metricsText(gw);
    assert.match(metrics, /x402gw_facilitator_auth_failures_total\{facilitator="f",endpoint="verify"\} 1\b/);
    assert.match(metrics, /x402gw_facilitator_request_duration_seconds_count\{facilitator="f",endpoint="verify",outcome="facilitator_auth"\} 1\b/);
    // Readiness names the facilitator and the cause.
    await waitFor(() => refused.some((r) => r.endpoint === "supported"));
    const ready = await fetch(`http://127.0.0.1:${gw.adminPort}/readyz`);
    assert.equal(ready.status, 503);
    assert.match(JSON.stringify(await ready.json()), /refused the gateway's credentials for \/supported/);
    await waitFor(() => /facilitator authentication failed/.test(gw.stderr()));
    const line = gw.stderr().split("\n").find((l) => l.includes("facilitator authentication failed"));
    assert.equal(JSON.parse(line).facilitator, "f");
    const everything = gw.stderr() + JSON.stringify(gw.access) + metrics + JSON.stringify(body);
    assert.ok(!everything.includes(configured.cdp), "the secret is never written");
    assert.ok(!everything.includes(configured.cdp.slice(0, 16)));
    assert.ok(!/eyJ[\w-]+\.eyJ/.test(everything), "no token is written either");
  } finally {
    await gw.stop();
  }
});

test("PayAI: each call carries a fresh EdDSA token with its own jti", async () => {
  resetRecorders(upstream, facilitator);
  const key = edKey();
  const jtis = new Set();
  const { seen, refused } = requireAuth((req) => checkPayai(req, key.publicKey, { keyId: "payai-key-1", jtis }));
  const gw = await startWithAuth(`{ type: payai, key_id: payai-key-1, key_secret_file: "${secretFile(key.payai + "\n")}" }`);
  try {
    const res = await pay(gw);
    assert.equal(res.status, 200);
    assert.deepEqual(refused, []);
    assert.deepEqual(seen.filter((s) => s.endpoint !== "supported").map((s) => s.endpoint), ["verify", "settle"]);
    assert.equal(jtis.size, seen.length);
  } finally {
    await gw.stop();
  }
});

test("bearer: the token is sent; a refused one is a 502 facilitator_auth that does not echo it", async () => {
  resetRecorders(upstream, facilitator);
  const { refused } = requireAuth((req) => {
    if (req.headers.authorization !== "Bearer relayer-token-123") throw new Error("wrong token");
    return {};
  });
  let gw = await startWithAuth(`{ type: bearer, token: "\${RELAYER_TOKEN}" }`, { RELAYER_TOKEN: "relayer-token-123" });
  try {
    assert.equal((await pay(gw)).status, 200);
    assert.deepEqual(refused, []);
  } finally {
    await gw.stop();
  }
  gw = await startWithAuth(`{ type: bearer, token: "\${RELAYER_TOKEN}" }`, { RELAYER_TOKEN: "stale-token-456" });
  try {
    const res = await pay(gw);
    assert.equal(res.status, 502);
    const text = await res.text();
    assert.equal(JSON.parse(text).error, "facilitator_auth");
    assert.ok(!(gw.stderr() + JSON.stringify(gw.access) + text + (await metricsText(gw))).includes("stale-token-456"));
  } finally {
    await gw.stop();
  }
});

test("a settle refused for its credentials is a facilitator_auth error, not a settlement", async () => {
  resetRecorders(upstream, facilitator);
  requireAuth((req, endpoint) => {
    if (endpoint === "settle") throw new Error("settle scope missing");
    return {};
  });
  const gw = await startWithAuth(`{ type: bearer, token: t }`);
  try {
    const res = await pay(gw);
    assert.equal(res.status, 502);
    assert.equal((await res.json()).error, "facilitator_auth");
    assert.match(await metricsText(gw), /x402gw_facilitator_auth_failures_total\{facilitator="f",endpoint="settle"\} 1\b/);
  } finally {
    await gw.stop();
  }
});

test("--check: a key that does not parse is an error at its line that does not quote the secret", async () => {
  const secret = "-----BEGIN EC PRIVATE KEY-----\\nSECRETSECRETSECRET\\n-----END EC PRIVATE KEY-----";
  const yaml = baseConfig({ upstream: "http://127.0.0.1:1", facilitator: "http://127.0.0.1:2", routes, facilitatorExtra: `, auth: { type: cdp, key_id: k, key_secret: "\${S}" }` });
  const file = writeConfig(yaml);
  const bad = await runGatewayCommand(["--check", "--config", file], { env: { S: secret } });
  assert.equal(bad.code, 2);
  const line = yaml.split("\n").findIndex((l) => l.includes("key_secret")) + 1;
  assert.match(bad.stderr, new RegExp(`gateway\\.yaml:${line}:\\d+: facilitators\\.f\\.auth\\.key_secret: the PEM key secret does not parse`));
  assert.ok(!(bad.stdout + bad.stderr).includes("SECRETSECRET"));
  const missing = await runGatewayCommand(["--check", "--config", writeConfig(yaml.replace('key_secret: "${S}"', "key_secret_file: /nonexistent/cdp.pem"))]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /facilitators\.f\.auth\.key_secret_file: cannot read '\/nonexistent\/cdp\.pem'/);
  const key = edKey();
  const good = await runGatewayCommand(["--check", "--config", file], { env: { S: key.cdp } });
  assert.equal(good.code, 0, good.stderr);
  assert.ok(!(good.stdout + good.stderr).includes(key.cdp));
});

// ---- the same tokens as the reference packages ----

async function gatewayTokenFor(authFlow, env, check) {
  resetRecorders(upstream, facilitator);
  const { seen, refused } = requireAuth(check);
  const gw = await startWithAuth(authFlow, env);
  try {
    assert.equal((await pay(gw)).status, 200);
    assert.deepEqual(refused, []);
    return seen.find((s) => s.endpoint === "verify");
  } finally {
    await gw.stop();
  }
}

function sameShape(ours, reference, { fixedHeader, fixedClaims }) {
  assert.deepEqual(Object.keys(ours.header).sort(), Object.keys(reference.header).sort(), "same header fields");
  assert.deepEqual(Object.keys(ours.claims).sort(), Object.keys(reference.claims).sort(), "same claim set");
  for (const k of fixedHeader) assert.deepEqual(ours.header[k], reference.header[k], `header ${k}`);
  for (const k of fixedClaims) assert.deepEqual(ours.claims[k], reference.claims[k], `claim ${k}`);
  assert.equal(ours.claims.exp - ours.claims.iat, reference.claims.exp - reference.claims.iat, "lifetime");
}

for (const alg of ["ES256", "EdDSA"]) {
  test(`CDP ${alg}: the gateway's token has the header fields and claims @coinbase/cdp-sdk and @coinbase/x402 mint for the same key`, async () => {
    const { generateJwt } = await load("@coinbase/cdp-sdk/auth");
    const { createAuthHeader, createCorrelationHeader } = await load("@coinbase/x402");
    const key = alg === "ES256" ? ecKey() : edKey();
    // jose (inside cdp-sdk) reads EC keys as PKCS#8; the gateway takes that too.
    const secret = alg === "ES256" ? key.pkcs8 : key.cdp;
    const nonces = new Set();
    const ours = await gatewayTokenFor(`{ type: cdp, key_id: "${KEY_ID}", key_secret: "\${SECRET}" }`, { SECRET: secret },
      (req) => checkCdp(req, key.publicKey, { alg, nonces }));
    const host = `127.0.0.1:${facilitator.port}`;
    const viaSdk = verifyJwt(await generateJwt({ apiKeyId: KEY_ID, apiKeySecret: secret, requestMethod: "POST", requestHost: host, requestPath: `${BASE}/verify` }), key.publicKey);
    const viaX402 = verifyJwt((await createAuthHeader(KEY_ID, secret, "POST", host, `${BASE}/verify`)).slice("Bearer ".length), key.publicKey);
    for (const reference of [viaSdk, viaX402]) {
      sameShape(ours, reference, { fixedHeader: ["alg", "kid", "typ"], fixedClaims: ["iss", "sub", "uris"] });
      assert.equal(ours.header.nonce.length, reference.header.nonce.length);
      assert.equal(reference.claims.nbf, reference.claims.iat);
    }
    assert.deepEqual(ours.correlation.split(",").map((p) => p.split("=")[0]), createCorrelationHeader().split(",").map((p) => p.split("=")[0]));
  });
}

test("PayAI: the gateway's token has the header and claims @payai/facilitator mints for the same key", async () => {
  const { createPayAIAuthHeaders } = await load("@payai/facilitator");
  const key = edKey();
  const ours = await gatewayTokenFor(`{ type: payai, key_id: pk-1, key_secret: "\${SECRET}" }`, { SECRET: key.payai },
    (req) => checkPayai(req, key.publicKey, { keyId: "pk-1", jtis: new Set() }));
  const headers = await createPayAIAuthHeaders("pk-1", key.payai)();
  const reference = verifyJwt(headers.verify.Authorization.slice("Bearer ".length), key.publicKey);
  sameShape(ours, reference, { fixedHeader: ["alg", "kid", "typ"], fixedClaims: ["iss", "sub"] });
  assert.deepEqual(ours.header, reference.header);
});

test("a rotated secret file is picked up by a reload; a broken one is refused and the old key keeps signing", async () => {
  resetRecorders(upstream, facilitator);
  const first = edKey(), second = edKey();
  let trusted = first;
  const { refused } = requireAuth((req) => checkCdp(req, trusted.publicKey, { alg: "EdDSA", nonces: new Set() }));
  const file = secretFile(first.cdp);
  const gw = await startWithAuth(`{ type: cdp, key_id: "${KEY_ID}", key_secret_file: "${file}" }`);
  const admin = (p) => `http://127.0.0.1:${gw.adminPort}${p}`;
  try {
    assert.equal((await pay(gw)).status, 200);
    fs.writeFileSync(file, "not a key at all");
    const bad = await fetch(admin("/admin/reload"), { method: "POST" });
    assert.equal(bad.status, 422);
    const message = (await bad.json()).message;
    assert.match(message, /facilitators\.f\.auth\.key_secret_file: the key secret is neither a PEM private key nor base64/);
    assert.ok(!message.includes("not a key at all"));
    assert.equal((await pay(gw)).status, 200, "the loaded key still signs");
    fs.writeFileSync(file, second.cdp + "\n");
    trusted = second;
    assert.equal((await fetch(admin("/admin/reload"), { method: "POST" })).status, 200);
    assert.equal((await pay(gw)).status, 200);
    assert.deepEqual(refused.filter((r) => r.endpoint !== "supported"), []);
  } finally {
    await gw.stop();
  }
});
