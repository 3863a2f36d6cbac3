// The admin listener's protection, over real sockets: control endpoints (POST /admin/reload) need
// the admin token when one is configured, refuse cross-site browser requests always, and without a
// token are served only on a loopback listener to requests a browser page could not have made.
// Probes stay open; /metrics is open unless admin.protect_metrics.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startGateway, startUpstream } from "../support/gateway.mjs";
import { request } from "../support/raw.mjs";

const TOKEN = "test-admin-token-0123456789abcdef";
let upstream;

before(async () => {
  upstream = await startUpstream();
});
after(async () => {
  await upstream.close();
});

function config(admin = "") {
  return `listen: "127.0.0.1:0"
admin_listen: "127.0.0.1:0"
threads: 1
${admin}
upstreams:
  api: { url: "${upstream.url}" }
routes:
  - { match: "/*" }
`;
}

/** One admin request with exact headers; returns {status, headers, json}. */
async function admin(gw, method, target, headers = {}, body = "") {
  const lines = [`${method} ${target} HTTP/1.1`, `Host: ${headers.Host ?? `127.0.0.1:${gw.adminPort}`}`];
  for (const [name, value] of Object.entries(headers)) if (name !== "Host") lines.push(`${name}: ${value}`);
  if (body || method === "POST") lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  lines.push("Connection: close", "", body);
  const res = await request(gw.adminPort, lines.join("\r\n"));
  let json;
  try {
    json = JSON.parse(res.text);
  } catch {}
  return { status: res.status, headers: res.headers, text: res.text, json };
}


async function reloadsOk(gw) {
  const text = (await admin(gw, "GET", "/metrics", { Authorization: `Bearer ${TOKEN}` })).text;
  const line = text.split("\n").find((l) => l.startsWith('x402gw_config_reloads_total{result="ok"} '));
  return line ? Number(line.split(" ").pop()) : 0;
}

test("with admin.token: no token and a wrong token get 401, the right token reloads; probes and /metrics stay open", async () => {
  const gw = await startGateway(config(`admin: { token: "${TOKEN}" }`));
  try {
    const none = await admin(gw, "POST", "/admin/reload");
    assert.equal(none.status, 401);
    assert.equal(none.json.error, "unauthorized");
    assert.match(none.headers["www-authenticate"], /^Bearer /);
    const wrong = await admin(gw, "POST", "/admin/reload", { Authorization: "Bearer test-admin-token-0123456789abcdeX" });
    assert.equal(wrong.status, 401);
    const basic = await admin(gw, "POST", "/admin/reload", { Authorization: `Basic ${TOKEN}` });
    assert.equal(basic.status, 401);
    assert.equal(await reloadsOk(gw), 0, "no refused request reloaded");

    const right = await admin(gw, "POST", "/admin/reload", { Authorization: `Bearer ${TOKEN}` });
    assert.equal(right.status, 200, right.text);
    assert.equal(right.json.status, "reloaded");
    assert.equal(await reloadsOk(gw), 1);
    // A state change is a POST, token or not.
    assert.equal((await admin(gw, "GET", "/admin/reload", { Authorization: `Bearer ${TOKEN}` })).status, 405);

    assert.equal((await admin(gw, "GET", "/healthz")).status, 200);
    assert.notEqual((await admin(gw, "GET", "/readyz")).status, 401);
    const metrics = await admin(gw, "GET", "/metrics");
    assert.equal(metrics.status, 200);
    assert.match(metrics.text, /x402gw_config_reloads_total/);
    assert.match(metrics.text, /x402gw_admin_refused_total\{reason="unauthorized"\} 3/);
  } finally {
    await gw.stop();
  }
});

test("a cross-site request is refused even with the right token", async () => {
  const gw = await startGateway(config(`admin: { token: "${TOKEN}" }`));
  try {
    const auth = { Authorization: `Bearer ${TOKEN}` };
    const origin = await admin(gw, "POST", "/admin/reload", { ...auth, Origin: "https://evil.example" });
    assert.equal(origin.status, 403);
    assert.equal(origin.json.error, "cross_site_refused");
    const fetchSite = await admin(gw, "POST", "/admin/reload", { ...auth, "Sec-Fetch-Site": "cross-site" });
    assert.equal(fetchSite.status, 403);
    const nullOrigin = await admin(gw, "POST", "/admin/reload", { ...auth, Origin: "null" });
    assert.equal(nullOrigin.status, 403);
    assert.equal(await reloadsOk(gw), 0);
    // The same origin (an admin page served by this listener) may.
    const same = await admin(gw, "POST", "/admin/reload", { ...auth, Origin: `http://127.0.0.1:${gw.adminPort}`, "Sec-Fetch-Site": "same-origin" });
    assert.equal(same.status, 200, same.text);
  } finally {
    await gw.stop();
  }
});

test("without a token, on loopback: a text/plain CSRF form, a cross-site Origin and a rebound Host are refused; a plain POST reloads", async () => {
  const gw = await startGateway(config());
  try {
    // What <form method=post enctype=text/plain action=http://127.0.0.1:9402/admin/reload> sends.
    const form = await admin(gw, "POST", "/admin/reload",
      { Origin: "https://evil.example", "Content-Type": "text/plain", "Sec-Fetch-Site": "cross-site" }, "a=b");
    assert.equal(form.status, 403);
    assert.equal(form.json.error, "cross_site_refused");
    // The same form from a browser that sends neither Origin nor Sec-Fetch-Site.
    const bare = await admin(gw, "POST", "/admin/reload", { "Content-Type": "text/plain" }, "a=b");
    assert.equal(bare.status, 403);
    const urlencoded = await admin(gw, "POST", "/admin/reload", { "Content-Type": "application/x-www-form-urlencoded" }, "a=b");
    assert.equal(urlencoded.status, 403);
    // DNS rebinding: a page of rebound.evil.example whose name now points at 127.0.0.1.
    const rebound = await admin(gw, "POST", "/admin/reload", { Host: `rebound.evil.example:${gw.adminPort}`, Origin: `http://rebound.evil.example:${gw.adminPort}` });
    assert.equal(rebound.status, 403);
    assert.equal(await reloadsOk(gw), 0, "no refused request reloaded");

    const curl = await admin(gw, "POST", "/admin/reload");
    assert.equal(curl.status, 200, curl.text);
    assert.equal(await reloadsOk(gw), 1);
  } finally {
    await gw.stop();
  }
});

test("admin.protect_metrics: /metrics needs the token, the probes do not; admin.token_file is read", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "x402gw-admin-"));
  const file = path.join(dir, "token");
  fs.writeFileSync(file, `${TOKEN}\n`, { mode: 0o600 });
  const gw = await startGateway(config(`admin: { token_file: "${file}", protect_metrics: true }`));
  try {
    const open = await admin(gw, "GET", "/metrics");
    assert.equal(open.status, 401);
    assert.equal((await admin(gw, "GET", "/metrics", { Authorization: `Bearer ${TOKEN}` })).status, 200);
    assert.equal((await admin(gw, "GET", "/healthz")).status, 200);
    assert.equal((await admin(gw, "POST", "/admin/reload", { Authorization: `Bearer ${TOKEN}` })).status, 200);
  } finally {
    await gw.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
