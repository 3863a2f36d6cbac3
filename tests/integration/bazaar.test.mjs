// The `bazaar` discovery extension, checked with the reference helpers (@x402/extensions 2.27): a
// route's `bazaar:` block is what the reference server would declare for it
// (declareDiscoveryExtension, enriched with the route's method by bazaarResourceServerExtension);
// the 402 and /.well-known/x402 carry it; and a facilitator-side catalog that extracts discovery
// info from the payments it is asked to verify (extractDiscoveryInfo, as the reference facilitator
// does) gets what the configuration says. The payments are made by the reference v2 client
// (@x402/fetch), which copies the 402's extensions into its payment.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { startGateway, startUpstream, startFacilitator, baseConfig, decodeHeader, runGatewayCommand, writeConfig } from "../support/gateway.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const stack = createRequire(path.join(root, "packaging/localstack/package.json"));
const { declareDiscoveryExtension, bazaarResourceServerExtension, validateDiscoveryExtension, extractDiscoveryInfo } =
  stack("@x402/extensions/bazaar");
const { privateKeyToAccount } = stack("viem/accounts");
const { createPublicClient, http } = stack("viem");
const { v2Fetch } = await import(path.join(root, "packaging/localstack/lib/clients.mjs"));

// What the configuration declares, and the same in the reference helpers' terms.
const weather = {
  yaml: `  - match: "GET /api/weather"
    name: weather
    price: "$0.01"
    description: "Current weather for a city"
    bazaar:
      query: { city: Paris, units: metric }
      query_schema:
        properties: { city: { type: string, description: "City name" }, units: { type: string, enum: [metric, imperial] } }
        required: [city]
      output:
        example: { city: Paris, temperature: 21, conditions: sunny }
        schema: { properties: { temperature: { type: number } }, required: [temperature] }`,
  method: "GET",
  path: "/api/weather",
  declared: {
    input: { city: "Paris", units: "metric" },
    inputSchema: { properties: { city: { type: "string", description: "City name" }, units: { type: "string", enum: ["metric", "imperial"] } }, required: ["city"] },
    output: { example: { city: "Paris", temperature: 21, conditions: "sunny" }, schema: { properties: { temperature: { type: "number" } }, required: ["temperature"] } },
  },
};
const translate = {
  yaml: `  - match: "POST /api/translate"
    name: translate
    price: "$0.02"
    description: "Translate a text"
    bazaar:
      body: { text: "hello", to: fr }
      body_type: json
      body_schema: { type: object, properties: { text: { type: string }, to: { type: string } }, required: [text, to] }
      output: { example: { translation: bonjour } }`,
  method: "POST",
  path: "/api/translate",
  declared: {
    input: { text: "hello", to: "fr" },
    inputSchema: { type: "object", properties: { text: { type: "string" }, to: { type: "string" } }, required: ["text", "to"] },
    bodyType: "json",
    output: { example: { translation: "bonjour" } },
  },
};
const routes = [weather, translate];

// The reference server's extension for a route: declared, then enriched with the request's method.
function reference(route) {
  const declared = declareDiscoveryExtension(route.declared).bazaar;
  return bazaarResourceServerExtension.enrichDeclaration(declared, { method: route.method, adapter: { getPath: () => route.path } });
}

let upstream, facilitator, gw;
const catalog = [];

before(async () => {
  upstream = await startUpstream();
  // A facilitator-side catalog, as the reference facilitator keeps one: discovery info extracted
  // from every payment it verifies.
  facilitator = await startFacilitator({
    verify: (body) => {
      const found = extractDiscoveryInfo(body.paymentPayload, body.paymentRequirements);
      if (found) catalog.push(found);
      return { body: { isValid: true, payer: body.paymentPayload.payload.authorization.from } };
    },
  });
  gw = await startGateway(baseConfig({
    upstream: upstream.url,
    facilitator: facilitator.url,
    routes: `${weather.yaml}\n${translate.yaml}\n  - { match: "GET /api/plain", name: plain, price: "$0.01" }`,
  }));
});

after(async () => {
  await gw?.stop();
  await upstream?.close();
  await facilitator?.close();
});

async function paymentRequired(route) {
  const res = await fetch(gw.url(route.path), { method: route.method });
  assert.equal(res.status, 402);
  return decodeHeader(res.headers.get("payment-required"));
}

test("the 402 carries extensions.bazaar exactly as the reference server declares it, and it validates", async () => {
  for (const route of routes) {
    const doc = await paymentRequired(route);
    const ours = doc.extensions?.bazaar;
    assert.ok(ours, `${route.path}: no extensions.bazaar`);
    assert.deepEqual(ours, reference(route), route.path);
    assert.deepEqual(validateDiscoveryExtension(ours), { valid: true }, route.path);
  }
  const plain = await paymentRequired({ path: "/api/plain", method: "GET" });
  assert.equal(plain.extensions?.bazaar, undefined, "a route without bazaar: declares none");
});

test("/.well-known/x402 lists the same extension for each route", async () => {
  const doc = await (await fetch(gw.url("/.well-known/x402"))).json();
  for (const route of routes) {
    const item = doc.items.find((i) => i.resource === gw.url(route.path));
    assert.ok(item, route.path);
    assert.deepEqual(item.extensions.bazaar, reference(route), route.path);
  }
  assert.equal(doc.items.find((i) => i.resource === gw.url("/api/plain")).extensions, undefined);
});

test("a facilitator-side catalog extracting discovery info from the reference client's payments gets what the config says", async () => {
  const account = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
  const publicClient = createPublicClient({ transport: http("http://127.0.0.1:9") });  // never asked: the signature is local
  const pay = v2Fetch({ account }, publicClient);
  catalog.length = 0;
  const w = await pay(gw.url("/api/weather?city=Paris"));
  assert.equal(w.status, 200, await w.text());
  const t = await pay(gw.url("/api/translate"), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: "hello", to: "fr" }) });
  assert.equal(t.status, 200, await t.text());

  assert.equal(catalog.length, 2);
  const [w1, t1] = catalog;
  assert.equal(w1.resourceUrl, gw.url("/api/weather"));
  assert.equal(w1.method, "GET");
  assert.equal(w1.description, "Current weather for a city");
  assert.equal(w1.x402Version, 2);
  assert.deepEqual(w1.discoveryInfo, { input: { type: "http", method: "GET", queryParams: weather.declared.input },
                                       output: { type: "json", example: weather.declared.output.example } });
  assert.equal(t1.resourceUrl, gw.url("/api/translate"));
  assert.equal(t1.method, "POST");
  assert.deepEqual(t1.discoveryInfo, { input: { type: "http", method: "POST", bodyType: "json", body: translate.declared.input },
                                       output: { type: "json", example: { translation: "bonjour" } } });
});

test("--check reports a bazaar mistake with its line", async () => {
  const file = writeConfig(`listen: "127.0.0.1:0"
upstreams: { api: "http://127.0.0.1:3000" }
facilitators: { f: { url: "http://127.0.0.1:4020" } }
payment: { pay_to: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", network: base-sepolia }
routes:
  - match: "GET /api/weather"
    price: "$0.01"
    bazaar:
      body: { text: hello }
`);
  const r = await runGatewayCommand(["--check", "--config", file]);
  assert.notEqual(r.code, 0);
  assert.match(r.stdout + r.stderr, /:9:.*body is for POST, PUT, PATCH routes/);
});
