// ingress-nginx in front of the real gateway, run by a real nginx: the Helm chart's Ingress example
// and the recipe conf/forward-auth/ingress-nginx.yaml. No Kubernetes here, so the test writes the
// nginx configuration ingress-nginx's controller makes of an Ingress (rootfs/etc/nginx/template/
// nginx.tmpl): the server-snippet in the server; an internal auth location with the controller's
// own directives (no request body, X-Forwarded-Proto cleared, X-Original-URL, X-Original-Method,
// X-Real-IP, X-Forwarded-For, and the client's own headers passed on: proxy_pass_request_headers
// on), then the auth-snippet,
// then proxy_pass to auth-url; and the Ingress path's location with auth_request, each
// auth-response-headers header copied to the upstream as $authHeaderN, then the
// configuration-snippet. The annotations are used as they are; only the Service addresses are
// pointed at the test's loopback ports. Then: free routes pass, the client gets the real 402 and the
// receipt, a payment reaches the upstream once with the payer, a replay is refused, and neither a
// client's own X-Original-URI nor a call without the trust gets in.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { startGateway, startUpstream, startFacilitator, challenge, paymentHeader, decodeHeader, BUYER, PAY_TO } from "../support/gateway.mjs";
import { RECIPES, startNginx } from "../support/proxies.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const YAML = createRequire(path.join(root, "packaging/localstack/package.json"))("yaml");
const chart = path.join(root, "packaging/helm/x402-gateway");
const SECRET = crypto.randomBytes(24).toString("hex");

/** The chart's Ingress example, rendered by helm with SECRET. */
function renderedIngress() {
  const r = spawnSync("bash", [path.join(root, "packaging/tools/helm.sh"), "template", "x402-auth", chart, "-f", path.join(chart, "ci/forward-auth-values.yaml"),
    "--set", `forwardAuth.secret=${SECRET}`, "--namespace", "default"], { encoding: "utf8", timeout: 120000 });
  assert.equal(r.status, 0, r.stderr);
  const docs = YAML.parseAllDocuments(r.stdout).map((d) => d.toJS()).filter(Boolean);
  const config = YAML.parse(docs.find((d) => d.kind === "ConfigMap").data["gateway.yaml"]);
  return { ingress: docs.find((d) => d.kind === "Ingress"), config };
}

/** The server ingress-nginx would write for `ingress` (an http-context site file for startNginx),
 *  with the cluster's auth Service at `authBase` and the Ingress's backend at `upstreamBase`. */
function controllerSite({ ingress, authBase, upstreamBase }) {
  const a = (k) => ingress.metadata.annotations[`nginx.ingress.kubernetes.io/${k}`] ?? "";
  const authUrl = new URL(a("auth-url"));
  // The only change: where the Service is (its URL as written, with or without its port).
  const inCluster = new RegExp(`${authUrl.protocol}//${authUrl.hostname.replace(/[.]/g, "\\.")}(:\\d+)?`, "g");
  const local = (text) => text.replace(inCluster, authBase);
  const responseHeaders = a("auth-response-headers").split(",").map((h) => h.trim()).filter(Boolean);
  const rule = ingress.spec.rules[0];
  return `# http context, as the controller writes it without use-forwarded-headers.
map '' $pass_access_scheme { default $scheme; }
server {
    listen \${NGINX_LISTEN};
    server_name ${rule.host} 127.0.0.1;
${local(a("server-snippet"))}
    location = /_external-auth-x402 {
      internal;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Forwarded-Proto "";
      proxy_set_header X-Request-ID $request_id;
      proxy_set_header Host ${authUrl.host};
      proxy_set_header X-Original-URL $scheme://$http_host$request_uri;
      proxy_set_header X-Original-Method $request_method;
      proxy_set_header X-Sent-From "nginx-ingress-controller";
      proxy_set_header X-Real-IP $remote_addr;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Auth-Request-Redirect $request_uri;
      proxy_http_version 1.1;
      proxy_pass_request_headers on;
${local(a("auth-snippet"))}
      set $target ${local(a("auth-url"))};
      proxy_pass $target;
    }
    location ${rule.http.paths[0].path} {
      auth_request /_external-auth-x402;
      auth_request_set $auth_cookie $upstream_http_set_cookie;
      add_header Set-Cookie $auth_cookie;
${responseHeaders.map((h, i) => `      auth_request_set $authHeader${i} $upstream_http_${h.toLowerCase().replace(/-/g, "_")};\n      proxy_set_header '${h}' $authHeader${i};`).join("\n")}
${a("configuration-snippet")}
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_pass ${upstreamBase};
    }
}
`;
}

/** The recipe conf/forward-auth/ingress-nginx.yaml and its gateway half, conf/forward-auth/gateway.yaml. */
function recipeIngress() {
  const ingress = YAML.parse(fs.readFileSync(path.join(RECIPES, "ingress-nginx.yaml"), "utf8"));
  const config = YAML.parse(fs.readFileSync(path.join(RECIPES, "gateway.yaml"), "utf8"));
  return { ingress, config };
}

const sources = [
  ["the chart's Ingress (secret)", renderedIngress],
  ["conf/forward-auth/ingress-nginx.yaml (trusted_proxies)", recipeIngress],
];

for (const [label, source] of sources) describe(`ingress-nginx, ${label}`, () => {
  let upstream, facilitator, gw, nginx, site, base;

  before(async () => {
    const { ingress, config } = source();
    upstream = await startUpstream();
    facilitator = await startFacilitator();
    // The gateway's own configuration, on loopback ports, with the scripted facilitator.
    config.listen = [{ address: "127.0.0.1:0", mode: "forward_auth" }];
    config.admin_listen = "127.0.0.1:0";
    delete config.admin;
    config.facilitators = { default: { url: facilitator.url, timeout: "2s" } };
    config.payment = { ...config.payment, pay_to: PAY_TO, facilitator: "default" };
    config.limits = { challenges_per_second: 0 };
    gw = await startGateway(YAML.stringify(config), { env: { X402_FORWARD_AUTH_SECRET: SECRET, FORWARD_AUTH_SECRET: SECRET, PAY_TO } });
    site = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "x402gw-ingress-")), "site.conf");
    fs.writeFileSync(site, controllerSite({ ingress, authBase: gw.authUrl(""), upstreamBase: upstream.url }));
    nginx = await startNginx(site, {});
    base = nginx.url("");
  });

  after(async () => {
    await nginx?.stop();
    await gw?.stop();
    await upstream?.close();
    await facilitator?.close();
    if (site) fs.rmSync(path.dirname(site), { recursive: true, force: true });
  });

  function forget() {
    upstream.requests.length = 0;
    facilitator.calls.length = 0;
  }
  const settles = () => facilitator.calls.filter((c) => c.endpoint === "settle").length;

  test("a free route passes; a client's own payer header never reaches the upstream", async () => {
    forget();
    const res = await fetch(`${base}/health`, { headers: { "X-Payment-Payer": "0xforged" } });
    assert.equal(res.status, 200, nginx.log());
    assert.equal(upstream.requests.length, 1);
    assert.equal(upstream.requests[0].headers["x-payment-payer"], undefined);
  });

  test("the client gets the real 402 (error_page 401 to the gateway's reply endpoint)", async () => {
    forget();
    const { response, body, v2doc } = await challenge(`${base}/api/weather?city=Paris`);
    assert.equal(response.status, 402, nginx.log());
    assert.equal(body.error, "payment_required");
    assert.equal(body.accepts[0].maxAmountRequired, "10000");
    assert.equal(v2doc.accepts[0].payTo, PAY_TO);
    assert.equal(v2doc.resource.url, `${base}/api/weather`, "the resource the client asked for");
    assert.equal(upstream.requests.length, 0);
  });

  test("a client's own X-Original-URI naming a free route does not get a priced one in", async () => {
    forget();
    const res = await fetch(`${base}/api/weather`, { headers: { "X-Original-URI": "/health", "X-Original-Method": "GET", "X-Original-Host": "free.example.com" } });
    assert.equal(res.status, 402);
    assert.equal(upstream.requests.length, 0, "the upstream was reached without a payment");
  });

  for (const version of [1, 2]) {
    test(`v${version} pays; the upstream gets it once with the payer, the client the receipt; a replay is refused`, async () => {
      forget();
      const c = await challenge(`${base}/api/weather`);
      const header = { [version === 2 ? "PAYMENT-SIGNATURE" : "X-PAYMENT"]: paymentHeader(version, version === 2 ? c.v2 : c.v1) };
      const res = await fetch(`${base}/api/weather`, { headers: { ...header, "X-Payment-Payer": "0xforged" } });
      assert.equal(res.status, 200, await res.clone().text());
      assert.equal(upstream.requests.length, 1);
      assert.equal(upstream.requests[0].headers["x-payment-payer"], BUYER);
      assert.equal(settles(), 1);
      assert.equal(decodeHeader(res.headers.get(version === 2 ? "payment-response" : "x-payment-response")).success, true);
      const again = await fetch(`${base}/api/weather`, { headers: header });
      assert.equal(again.status, 402);
      assert.equal((await again.json()).error, "payment_already_used");
      assert.equal(upstream.requests.length, 1);
      assert.equal(settles(), 1);
    });
  }
});

// The chart's gateway believes only the secret: a call without it is refused, whatever it names.
test("the chart's auth service refuses a call without the Ingress's secret", async () => {
  const { config } = renderedIngress();
  config.listen = [{ address: "127.0.0.1:0", mode: "forward_auth" }];
  config.admin_listen = "127.0.0.1:0";
  delete config.admin;
  const gw = await startGateway(YAML.stringify(config), { env: { X402_FORWARD_AUTH_SECRET: SECRET, PAY_TO } });
  try {
    const res = await fetch(gw.authUrl("/auth/nginx"), { headers: { "X-Original-URI": "/health", "X-Original-Method": "GET" } });
    assert.equal(res.status, 403);
  } finally {
    await gw.stop();
  }
});
