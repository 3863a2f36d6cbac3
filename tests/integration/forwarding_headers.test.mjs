// What the upstream is told about the client: forwarding headers (X-Forwarded-*, Forwarded,
// X-Real-IP, True-Client-IP, ...) from a client that is not a trusted proxy never reach it; the
// gateway sets its own. From a trusted proxy they are kept, and the client chain is the part the
// gateway believes.
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { startGateway, startUpstream, baseConfig } from "../support/gateway.mjs";
import { request, waitFor } from "../support/raw.mjs";

let upstream;
before(async () => { upstream = await startUpstream(); });
after(async () => { await upstream.close(); });

// Headers that upstream frameworks read as the client's address, scheme, host, port, prefix,
// certificate or path, each forged.
const FORGED = {
  "Forwarded": "for=6.6.6.6;proto=https;host=evil.example",
  "X-Forwarded-For": "6.6.6.6",
  "X-Real-IP": "6.6.6.6",
  "X-Forwarded-Proto": "https",
  "X-Forwarded-Host": "evil.example",
  "X-Forwarded-Port": "443",
  "X-Forwarded-Prefix": "/admin",
  "X-Forwarded-Server": "evil.example",
  "X-Forwarded-Ssl": "on",
  "Front-End-Https": "on",
  "X-Forwarded-Scheme": "https",
  "X-Url-Scheme": "https",
  "X-Original-URI": "/priced",
  "X-Original-URL": "/priced",
  "X-Rewrite-URL": "/priced",
  "X-Client-IP": "6.6.6.6",
  "True-Client-IP": "6.6.6.6",
  "CF-Connecting-IP": "6.6.6.6",
  "X-Cluster-Client-IP": "6.6.6.6",
  "Forwarded-For": "6.6.6.6",
  "X-Forwarded": "for=6.6.6.6",
  "X-Forwarded-Client-Cert": "Hash=forged;Subject=\"CN=admin\"",
  "Client-Cert": ":Zm9yZ2Vk:",
  // Believed by WebLogic (and the ubiquitous Java getIpAddr helpers), IIS ARR, Azure, Fly, CloudFront, Fastly.
  "WL-Proxy-Client-IP": "6.6.6.6",
  "WL-Proxy-SSL": "true",
  "Proxy-Client-IP": "6.6.6.6",
  "X-ARR-ClientIP": "6.6.6.6",
  "X-ARR-SSL": "forged",
  "X-Original-Host": "evil.example",
  "Fly-Client-IP": "6.6.6.6",
  "CloudFront-Viewer-Address": "6.6.6.6:443",
  "CloudFront-Forwarded-Proto": "https",
  "Fastly-SSL": "1",
};

const routes = `  - { match: "/*" }`;

async function start(trusted) {
  return startGateway(baseConfig({ upstream: upstream.url, facilitator: "http://127.0.0.1:9", routes, extra: `trusted_proxies: ${JSON.stringify(trusted)}` }));
}

// Sends the forged headers (plus `extra`) to `path`; returns the headers the upstream received.
async function forward(gw, path, extra = {}) {
  const fields = Object.entries({ ...FORGED, ...extra }).map(([k, v]) => `${k}: ${v}\r\n`).join("");
  const res = await request(gw.port, `GET ${path} HTTP/1.1\r\nHost: gw.test\r\nConnection: close\r\n${fields}\r\n`);
  assert.equal(res.status, 200);
  const seen = await waitFor(() => upstream.requests.find((r) => r.url === path));
  return seen.headers;
}

describe("a client that is not a trusted proxy", () => {
  let gw;
  before(async () => { gw = await start(["10.0.0.0/8"]); });
  after(async () => { await gw.stop(); });

  test("no forwarding header of its own reaches the upstream; the gateway's do", async () => {
    const h = await forward(gw, "/untrusted");
    const setByGateway = { "x-forwarded-for": "127.0.0.1", "x-real-ip": "127.0.0.1", "x-forwarded-proto": "http",
      "x-forwarded-host": "gw.test", "forwarded": 'for=127.0.0.1;host="gw.test";proto=http' };
    for (const name of Object.keys(FORGED).map((n) => n.toLowerCase()))
      assert.equal(h[name], setByGateway[name], `${name}: ${h[name]}`);
  });
});

describe("a trusted proxy", () => {
  let gw;
  before(async () => { gw = await start(["127.0.0.1"]); });
  after(async () => { await gw.stop(); });

  test("its forwarding headers are kept; the client chain is the believed part; path overrides still go", async () => {
    const h = await forward(gw, "/trusted", { "X-Forwarded-For": "6.6.6.6, 198.51.100.7" });
    assert.equal(h["x-forwarded-for"], "198.51.100.7, 127.0.0.1", "left of the client is dropped");
    assert.equal(h["x-real-ip"], "198.51.100.7");
    assert.equal(h["forwarded"], 'for=198.51.100.7;host="evil.example";proto=https, for=127.0.0.1');
    for (const name of ["X-Forwarded-Proto", "X-Forwarded-Host", "X-Forwarded-Port", "X-Forwarded-Prefix", "True-Client-IP", "X-Forwarded-Client-Cert"])
      assert.equal(h[name.toLowerCase()], FORGED[name], name);
    for (const name of ["x-original-uri", "x-original-url", "x-rewrite-url"]) assert.equal(h[name], undefined, name);
  });
});

// CGI-style upstreams (PHP, WSGI and Rack servers that build HTTP_X_FORWARDED_FOR from a header
// name) read `X_Forwarded_For` as `X-Forwarded-For`: an underscore spelling of a header the
// gateway removes or sets must not pass either, or it collides with (or replaces) the real one.
describe("underscore spellings of protected headers", () => {
  let gw;
  before(async () => { gw = await start(["10.0.0.0/8"]); });
  after(async () => { await gw.stop(); });

  test("from a client that is not a trusted proxy, none reaches the upstream", async () => {
    const spelled = {
      "X_Forwarded_For": "6.6.6.6", "x_real_ip": "6.6.6.6", "X_FORWARDED_PROTO": "https", "X_Forwarded_Host": "evil.example",
      "X-Forwarded_Prefix": "/admin", "True_Client_IP": "6.6.6.6", "X_Original_URL": "/priced",
      "X_HTTP_Method_Override": "DELETE", "X_Payment_Payer": "0x000000000000000000000000000000000000dEaD",
    };
    const fields = Object.entries(spelled).map(([k, v]) => `${k}: ${v}\r\n`).join("");
    const res = await request(gw.port, `GET /underscores HTTP/1.1\r\nHost: gw.test\r\nConnection: close\r\n${fields}X_Unrelated_Thing: kept\r\n\r\n`);
    assert.equal(res.status, 200);
    const seen = await waitFor(() => upstream.requests.find((r) => r.url === "/underscores"));
    for (const name of Object.keys(spelled)) assert.equal(seen.headers[name.toLowerCase()], undefined, `${name} reached the upstream`);
    assert.equal(seen.headers["x_unrelated_thing"], "kept", "an unrelated underscore header is not touched");
    assert.equal(seen.headers["x-forwarded-for"], "127.0.0.1");
    assert.equal(seen.headers["x-payment-payer"], undefined);
  });

  // httpoxy: a CGI-style server turns `Proxy` into HTTP_PROXY, which HTTP client libraries in the
  // upstream take as the proxy for their own outgoing calls.
  test("Proxy (httpoxy) never reaches the upstream, in either spelling", async () => {
    const res = await request(gw.port, `GET /httpoxy HTTP/1.1\r\nHost: gw.test\r\nConnection: close\r\nProxy: http://6.6.6.6:8080\r\n\r\n`);
    assert.equal(res.status, 200);
    const seen = await waitFor(() => upstream.requests.find((r) => r.url === "/httpoxy"));
    assert.equal(seen.headers["proxy"], undefined);
  });
});
